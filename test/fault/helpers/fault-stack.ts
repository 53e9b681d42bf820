/**
 * One fault case: an in-process simulator over real HTTP, a CSV of unique questions, a task queue and batch of
 * its own, `mwbatch worker` processes and `mwbatch submit` runs against a real Temporal dev server. It belongs to
 * the test that starts it and is closed when that test ends.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject, onTestFinished } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../simulator';
import type { CliRun } from '../../helpers/cli';
import { tempDir, writeCsv } from '../../helpers/batch';
import { waitFor } from '../../helpers/wait';
import { killCli, startCli, WorkerProcess, type CliProcess } from './processes';

export const DEFAULT_ROWS = 200;
/** Per case: most take 15-60 s alone, up to ~100 s (a dozen worker kills); twice that when files run side by side. */
export const CASE_TIMEOUT_MS = 300_000;

export interface FaultStackOptions {
  /** Short name of the fault: part of the batch ID and of the figures line. */
  name: string;
  rows?: number;
  /** Simulator configuration; answers come fast by default so 200 rows finish quickly. */
  simulator?: SimulatorOptions;
  /** Temporal frontend; defaults to the shared dev server of the run. */
  temporalAddress?: string;
  concurrency?: number;
}

export interface WorkerSpec {
  /** Sent as MWBATCH_RPS. */
  rps?: number;
  /** OAuth client credentials against the simulator's token endpoint instead of its static token. */
  clientCredentials?: boolean;
  /** MOVEWORKS_TIMEOUT_MS; 2 s by default so that hanging replies fail fast. */
  timeoutMs?: number;
}

export interface FaultStack {
  readonly name: string;
  readonly sim: Simulator;
  readonly address: string;
  readonly taskQueue: string;
  readonly batchId: string;
  readonly outDir: string;
  readonly questions: string[];
  /** When the case started (ms epoch), for the elapsed time in the figures. */
  readonly startedAt: number;
  readonly workers: WorkerProcess[];
  /** A worker process (not started yet) with the environment of this case. */
  worker(spec?: WorkerSpec): WorkerProcess;
  /** `submit FILE --batch … --out … --concurrency …` plus `extra`. */
  submitArgs(extra?: string[]): string[];
  startSubmit(extra?: string[]): CliProcess;
  /** `submitArgs(extra)` run to its end. */
  submit(extra?: string[]): Promise<CliRun>;
  /** API and token requests the simulator has seen so far. */
  requestCount(): number;
  /** Resolves once the simulator has seen `n` more requests than `since`. */
  waitForRequests(since: number, n: number, timeoutMs?: number): Promise<number>;
  /** Kills the CLI runs still going, then closes the simulator and stops the workers; the test's end does it too. */
  close(): Promise<void>;
}

/** Unique, plain questions (no CSV quoting needed); each becomes one single-turn conversation. */
export function faultQuestions(name: string, rows: number): string[] {
  return Array.from(
    { length: rows },
    (_, i) => `${name} question ${String(i).padStart(4, '0')}: how do I reset item ${i}?`,
  );
}

/** The stack of one fault case, for the running test: closed when that test ends (pass or fail). */
export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const { name } = options;
  const startedAt = Date.now();
  const rows = options.rows ?? DEFAULT_ROWS;
  const concurrency = options.concurrency ?? 100;
  const sim = await startSimulator({ answerDelayMs: 400, inProgressAfterMs: 100, ...options.simulator });
  const address = options.temporalAddress ?? inject('temporalAddress');
  const unique = randomUUID().slice(0, 8);
  const taskQueue = `fault-${name}-${unique}`;
  const batchId = `fault-${name}-${unique}`;
  const dir = tempDir('mwbatch-fault-');
  const questions = faultQuestions(name, rows);
  const file = writeCsv(dir, 'questions.csv', [
    'id,question',
    ...questions.map((q, i) => `r${String(i).padStart(4, '0')},${q}`),
  ]);
  const outDir = join(dir, 'out');
  const workers: WorkerProcess[] = [];
  const cliRuns: CliProcess[] = [];
  const cliEnv = { TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue };

  const submitArgs = (extra: string[] = []) => [
    'submit',
    file,
    '--batch',
    batchId,
    '--out',
    outDir,
    '--concurrency',
    String(concurrency),
    ...extra,
  ];
  const requestCount = () => sim.stats().totalRequests;
  const startSubmit = (extra?: string[]) => {
    const run = startCli(submitArgs(extra), cliEnv);
    cliRuns.push(run);
    return run;
  };
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all(cliRuns.map(killCli));
      // The simulator next: it drops hanging requests, so the workers' graceful shutdown has nothing to wait for.
      await sim.close();
      await Promise.all(workers.map((w) => w.stop()));
      rmSync(dir, { recursive: true, force: true });
    })());
  onTestFinished(close);

  return {
    name,
    sim,
    address,
    taskQueue,
    batchId,
    outDir,
    questions,
    startedAt,
    workers,
    worker(spec: WorkerSpec = {}) {
      const auth: Record<string, string> = spec.clientCredentials
        ? {
            MOVEWORKS_CLIENT_ID: sim.config.clientId,
            MOVEWORKS_CLIENT_SECRET: sim.config.clientSecret,
            MOVEWORKS_TOKEN_URL: sim.tokenUrl,
          }
        : { MOVEWORKS_TOKEN: sim.config.token };
      const worker = new WorkerProcess(`${name}-w${workers.length + 1}`, {
        ...cliEnv,
        ...auth,
        MOVEWORKS_BASE_URL: sim.baseUrl,
        MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
        MOVEWORKS_TIMEOUT_MS: String(spec.timeoutMs ?? 2_000),
        MWBATCH_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        ...(spec.rps ? { MWBATCH_RPS: String(spec.rps) } : {}),
      });
      workers.push(worker);
      return worker;
    },
    submitArgs,
    startSubmit,
    submit: (extra) => startSubmit(extra).done,
    requestCount,
    waitForRequests(since, n, timeoutMs = 120_000) {
      return waitFor(
        `${n} more simulator requests (after ${since})`,
        () => requestCount() >= since + n && requestCount(),
        timeoutMs,
      );
    },
    close,
  };
}
