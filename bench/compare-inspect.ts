/**
 * Measurements bench/compare.ts takes beyond bench/measure.ts: the simulator's status counts (and whether each
 * question was asked exactly once), how many of a batch's workflows were open at once, and which events make up their
 * histories.
 */
import { groupHashes } from '../batch/groups';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface SimulatorCounts {
  total: number;
  /** Requests answered 429. */
  rateLimited: number;
  /** `"METHOD /route status"` → count, for the details. */
  byRouteStatus: Record<string, number>;
  /** Create-response POSTs (polling `…/responses` and streaming `…/responses/stream`) answered 2xx: questions asked. */
  responsesAccepted: number;
  /** Question text → responses created for it (`GET /_sim/stats` `submissionsByQuestion`). */
  submissionsByQuestion: Record<string, number>;
  /** Requests made once per batch, not per question: `GET /conversations` (the pre-flight API check). */
  perBatch: number;
}

/** The simulator's create-response routes, polling and streaming, as `"METHOD /route"`. */
const CREATE_RESPONSE_ROUTE = /^POST \S*\/conversations\/\{conversation_id\}\/responses(\/stream)?$/;
const PER_BATCH_ROUTE = /^GET \S*\/conversations$/;

export async function simulatorCounts(origin: string): Promise<SimulatorCounts> {
  const res = await fetch(`${origin}/_sim/stats`);
  if (!res.ok) throw new Error(`GET /_sim/stats: HTTP ${res.status}`);
  const stats = (await res.json()) as {
    totalRequests: number;
    byRoute: Record<string, Record<string, number>>;
    submissionsByQuestion: Record<string, number>;
  };
  const byRouteStatus: Record<string, number> = {};
  let rateLimited = 0;
  let responsesAccepted = 0;
  let perBatch = 0;
  for (const [route, statuses] of Object.entries(stats.byRoute)) {
    for (const [status, n] of Object.entries(statuses)) {
      byRouteStatus[`${route} ${status}`] = n;
      if (status === '429') rateLimited += n;
      if (CREATE_RESPONSE_ROUTE.test(route) && /^2\d\d$/.test(status)) responsesAccepted += n;
      if (PER_BATCH_ROUTE.test(route)) perBatch += n;
    }
  }
  return {
    total: stats.totalRequests,
    rateLimited,
    byRouteStatus,
    responsesAccepted,
    submissionsByQuestion: stats.submissionsByQuestion,
    perBatch,
  };
}

export interface AskedOnce {
  /** Every question was asked exactly once: accepted create-response POSTs = questions, each text once. */
  ok: boolean;
  accepted: number;
  /** Questions asked more than once, and never. */
  twice: number;
  never: number;
}

/** Whether each of `questions` (their texts) was asked exactly once, from the simulator's counts. */
export function askedOnce(counts: SimulatorCounts, questions: string[]): AskedOnce {
  const times = questions.map((q) => counts.submissionsByQuestion[q] ?? 0);
  const twice = times.filter((t) => t > 1).length;
  const never = times.filter((t) => t === 0).length;
  const accepted = counts.responsesAccepted;
  return { ok: accepted === questions.length && twice === 0 && never === 0, accepted, twice, never };
}

/** Most intervals [start, end] open at the same instant, each counted `weight` times (default 1). */
export function peakOverlap(spans: [number, number, number?][]): number {
  const edges = spans.flatMap(([start, end, weight = 1]): [number, number][] => [
    [start, weight],
    [end, -weight],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // a close before an open at the same ms
  let open = 0;
  let peak = 0;
  for (const [, step] of edges) {
    open += step;
    peak = Math.max(peak, open);
  }
  return peak;
}

export interface WorkflowShape {
  /** Most of the batch's workflows running at once (from start and close times). */
  peakOpen: number;
  /**
   * Most of the batch's questions being asked at once: a running workflow counts its questions (a group holds several,
   * its memo says how many), at most `atOnce` of them (`submit --at-once`).
   */
  peakQuestions: number;
  /** Mean count of each event type over a sample of histories, e.g. `TimerStarted` → 2. */
  eventsByType: Record<string, number>;
  sampled: number;
}

/** Start/close times of every workflow of the batch, and the event types of `sampleSize` evenly spread histories. */
export async function workflowShape(
  address: string,
  batchId: string,
  atOnce = Number.POSITIVE_INFINITY,
  sampleSize = 20,
): Promise<WorkflowShape> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const all: { workflowId: string; runId: string; start: number; close: number; questions: number }[] = [];
    for await (const w of client.workflow.list({ query: `BatchId="${batchId}"` })) {
      const grouped = groupHashes(w.memo).size;
      all.push({
        workflowId: w.workflowId,
        runId: w.runId,
        start: w.startTime.getTime(),
        close: w.closeTime?.getTime() ?? Date.now(),
        questions: grouped > 0 ? Math.min(grouped, atOnce) : 1,
      });
    }
    const step = Math.max(1, Math.floor(all.length / sampleSize));
    const sample = all.filter((_, i) => i % step === 0).slice(0, sampleSize);
    const counts: Record<string, number> = {};
    for (const w of sample) {
      const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
        const name = type.replace(/^EVENT_TYPE_/, '');
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }
    const eventsByType = Object.fromEntries(
      Object.entries(counts).map(([name, n]) => [name, n / Math.max(1, sample.length)]),
    );
    return {
      peakOpen: peakOverlap(all.map((w) => [w.start, w.close])),
      peakQuestions: peakOverlap(all.map((w) => [w.start, w.close, w.questions])),
      eventsByType,
      sampled: sample.length,
    };
  } finally {
    await connection.close();
  }
}

/** Busy CPU time of the whole machine so far, seconds (all cores; /proc/stat, USER_HZ = 100). */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, v) => sum + v, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return (total - idle) / 100;
}

/**
 * Waits until the machine is nearly idle (under `maxBusyCores` busy over a 5 s window), at most `maxWaitMs`.
 * Returns the busy cores of the last window: other work on the machine skews every number of the benchmark.
 */
export async function waitForQuiet(maxBusyCores: number, maxWaitMs: number, log: (line: string) => void) {
  const until = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const before = machineBusySeconds();
    await sleep(5_000);
    const busy = (machineBusySeconds() - before) / 5;
    if (busy <= maxBusyCores || Date.now() >= until) return busy;
    if (!warned)
      log(`machine busy (${busy.toFixed(2)} cores in use by other processes); waiting for it to calm down...`);
    warned = true;
  }
}
