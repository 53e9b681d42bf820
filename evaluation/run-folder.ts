/**
 * Where evaluation runs live on disk: `<runs folder>/<suite name>/<run id>/`, one folder per run holding its files
 * (run-files.ts). Run ids, finding a suite's past runs (for `--baseline latest`, `mwbatch runs` and the report's
 * chart), and reading a run's records back.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError } from '../common/errors';
import { parseRecord, type ResultRecord } from '../batch/results';
import type { RunHistoryPoint, RunSummary } from './types';

export const DEFAULT_RUNS_DIR = 'runs';
export const SUMMARY_FILE = 'summary.json';
export const RESULTS_JSONL = 'results.jsonl';
export const RESULTS_CSV = 'results.csv';
export const JUNIT_FILE = 'junit.xml';
export const REPORT_FILE = 'report.html';
/** Written when a run starts: it names the run's workflow, so a folder without a summary can still be resumed. */
export const RUN_FILE = 'run.json';

/** A result record of an evaluation run: the answer's record plus what the checks found. */
export interface EvalRecord extends ResultRecord {
  repeat: number;
  passed: boolean;
  failed_checks: string[];
  tags: string[];
  /** The question's share of passing repeats, 0–1 (the same on each of its repeats). */
  question_pass_rate?: number;
  /** How many different answers (normalised) the question got over its repeats. */
  distinct_answers?: number;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `r-20261127-0930-k3xz`: readable, sortable by time (UTC), and unique enough for one suite's folder. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 13).replace('T', '-');
  const suffix = [...randomBytes(4)].map((b) => 'abcdefghijkmnpqrstuvwxyz23456789'[b % 32]).join('');
  return `r-${stamp}-${suffix}`;
}

export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new ConfigError(`--run: "${runId}" is not a run id (letters, digits, '.', '_' and '-', at most 64)`);
  }
  return runId;
}

export function runFolder(runsDir: string, suite: string, runId: string): string {
  return join(runsDir, suite, runId);
}

export async function readSummary(dir: string): Promise<RunSummary | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, SUMMARY_FILE), 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}

export interface PastRun {
  dir: string;
  summary: RunSummary;
}

/** The finished runs of a suite (those with a summary.json), oldest first. */
export async function pastRuns(runsDir: string, suite: string): Promise<PastRun[]> {
  const suiteDir = join(runsDir, suite);
  let names: string[];
  try {
    names = await readdir(suiteDir);
  } catch {
    return [];
  }
  const runs: PastRun[] = [];
  for (const name of names) {
    const dir = join(suiteDir, name);
    const summary = await readSummary(dir);
    if (summary) runs.push({ dir, summary });
  }
  return runs.sort((a, b) => a.summary.started_at.localeCompare(b.summary.started_at));
}

/** The suites that have runs in the folder. */
export async function suitesIn(runsDir: string): Promise<string[]> {
  try {
    const entries = await readdir(runsDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** The most recent finished run of the suite other than `exceptRunId`, for `--baseline latest`. */
export async function latestRun(runsDir: string, suite: string, exceptRunId?: string): Promise<PastRun | undefined> {
  const runs = (await pastRuns(runsDir, suite)).filter((run) => run.summary.run_id !== exceptRunId);
  return runs.at(-1);
}

/** The pass rate of each past run, for the report's chart. */
export function historyOf(runs: PastRun[]): RunHistoryPoint[] {
  return runs.map(({ summary }) => ({
    runId: summary.run_id,
    startedAt: summary.started_at,
    passRate: summary.pass_rate,
  }));
}

/** A run folder given on the command line: it must hold a finished run. */
export async function openRunFolder(dir: string, option: string): Promise<PastRun> {
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const summary = isDir ? await readSummary(dir) : undefined;
  if (summary === undefined) {
    throw new ConfigError(`${option}: ${dir} is not a finished evaluation run (no ${SUMMARY_FILE} in it)`);
  }
  return { dir, summary };
}

/** The records of a run, as its results.jsonl holds them. */
export async function readRunRecords(dir: string): Promise<EvalRecord[]> {
  const records: EvalRecord[] = [];
  const lines = createInterface({ input: createReadStream(join(dir, RESULTS_JSONL)), crlfDelay: Infinity });
  for await (const line of lines) {
    const record = parseRecord(line) as EvalRecord | undefined;
    if (record === undefined) continue;
    records.push({
      ...record,
      repeat: typeof record.repeat === 'number' ? record.repeat : 1,
      passed: record.passed === true,
      failed_checks: Array.isArray(record.failed_checks) ? record.failed_checks.map(String) : [],
      tags: Array.isArray(record.tags) ? record.tags.map(String) : [],
    });
  }
  return records;
}
