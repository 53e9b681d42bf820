/** Inputs and measurements of a bulk run: the question file, the results files, the simulator, Temporal. */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { historyStages, meanStages, type Stages } from './history';

/** The text of question `i` (1-based) of `writeQuestions`: distinct for every i, the same on every run. */
export function questionText(i: number): string {
  const topics = ['VPN access', 'a new laptop', 'my vacation balance', 'the expense policy', 'a password reset'];
  return `Question ${i}: how do I get help with ${topics[i % topics.length]}?`;
}

/** N distinct single-turn questions, the same text on every run. */
export async function writeQuestions(path: string, n: number): Promise<void> {
  const lines = ['id,question'];
  for (let i = 1; i <= n; i++) lines.push(`q${String(i).padStart(6, '0')},${questionText(i)}`);
  await writeFile(path, `${lines.join('\n')}\n`);
}

export interface ResultsSummary {
  /** Distinct rows in results.jsonl (the last record of a row wins). */
  rows: number;
  completed: number;
  latenciesMs: number[];
  /** results.csv has exactly one data row per input row, each id once. */
  csvOk: boolean;
}

export async function readResults(outDir: string, expectedRows: number): Promise<ResultsSummary> {
  const byRow = new Map<string, { status: string; latencyMs?: number }>();
  const lines = createInterface({ input: createReadStream(join(outDir, 'results.jsonl')), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as { rowId: string; status: string; latencyMs?: number; latency_ms?: number };
    byRow.set(record.rowId, { status: record.status, latencyMs: record.latencyMs ?? record.latency_ms });
  }
  const records = [...byRow.values()];
  const cells = parse(await readFile(join(outDir, 'results.csv')), { bom: true }) as string[][];
  const idColumn = cells[0]?.indexOf('id') ?? -1;
  const ids = new Set(cells.slice(1).map((row) => row[idColumn]));
  return {
    rows: byRow.size,
    completed: records.filter((r) => r.status === 'COMPLETED').length,
    latenciesMs: records.flatMap((r) => (typeof r.latencyMs === 'number' ? [r.latencyMs] : [])),
    csvOk: idColumn >= 0 && cells.length - 1 === expectedRows && ids.size === expectedRows,
  };
}

/** Nearest-rank percentile (p in 0..1). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** Requests the simulator answered (API and token endpoint; admin calls are not counted). */
export async function simulatorRequests(origin: string): Promise<number> {
  const res = await fetch(`${origin}/_sim/stats`);
  if (!res.ok) throw new Error(`GET /_sim/stats: HTTP ${res.status}`);
  return ((await res.json()) as { totalRequests: number }).totalRequests;
}

export interface BatchTimeline {
  workflows: number;
  firstStart: number;
  lastClose: number;
  meanWorkflowMs: number;
  /** Mean history length of an evenly spread sample of the batch's workflows. */
  eventsPerWorkflow: number;
  /** Mean time per stage in that sample, ms. */
  stages: Stages;
}

/** The batch as Temporal saw it: every workflow's start and close, and the history length of a sample. */
export async function batchTimeline(address: string, batchId: string, sampleSize = 50): Promise<BatchTimeline> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const all: WorkflowExecutionInfo[] = [];
    for await (const info of client.workflow.list({ query: `BatchId="${batchId}"` })) all.push(info);
    if (all.length === 0) throw new Error(`no workflows found for BatchId="${batchId}"`);
    const starts = all.map((w) => w.startTime.getTime());
    const closes = all.map((w) => w.closeTime?.getTime() ?? NaN);
    const step = Math.max(1, Math.floor(all.length / sampleSize));
    const sample = all.filter((_, i) => i % step === 0).slice(0, sampleSize);
    let events = 0;
    const stages: Stages[] = [];
    for (const w of sample) {
      const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      events += history.events?.length ?? 0;
      stages.push(historyStages(history));
    }
    return {
      workflows: all.length,
      firstStart: Math.min(...starts),
      lastClose: Math.max(...closes),
      meanWorkflowMs: closes.reduce((sum, close, i) => sum + close - starts[i]!, 0) / all.length,
      eventsPerWorkflow: events / sample.length,
      stages: meanStages(stages),
    };
  } finally {
    await connection.close();
  }
}

/** A whole-number command-line option of a bench script, > 0. */
export function whole(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a whole number > 0, not ${text}`);
  return n;
}
