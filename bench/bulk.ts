/**
 * Bulk benchmark: for each row count, a fresh in-memory Temporal dev server, the simulator and a worker (separate
 * processes), then `mwbatch submit` on N single-turn questions, timed and measured. Prints markdown tables.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/bulk.js [--rows 1000,10000]
 *     [--answer-ms 1000] [--concurrency 200] [--keep]
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer } from '../dev/dev-server';
import { ensureTemporalCli } from '../dev/temporal-cli';
import type { Stages } from './history';
import { batchTimeline, percentile, readResults, simulatorRequests, whole, writeQuestions } from './measure';
import { killChildrenOnSignal, startNode, startSimulatorProcess, stop, track, usage, type Usage } from './procs';

const ROOT = resolve(__dirname, '..', '..', '..'); // dist/bench/bench → the project
const CLI = join(ROOT, 'bin', 'mwbatch.js');
const SIMULATOR = join(ROOT, 'dist', 'simulator', 'bin.js');
const EXIT_REPORT = join(__dirname, 'exit-report.js');
const TASK_QUEUE = 'mwbatch-bench';
const TOKEN = 'bench-token';
const ASSISTANT = 'bench-assistant';

interface Options {
  rows: number[];
  answerMs: number;
  concurrency: number;
  keep: boolean;
}

interface Run {
  n: number;
  wallS: number;
  exitCode: number | null;
  completed: number;
  rowsOk: boolean;
  addedP50: number;
  addedP95: number;
  requestsPerQuestion: number;
  eventsPerQuestion: number;
  setupS: number;
  finishS: number;
  meanWorkflowS: number;
  stages: Stages;
  client: Usage;
  worker: Usage;
  server: Usage;
  simulator: Usage;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000' },
      'answer-ms': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '200' },
      keep: { type: 'boolean', default: false },
    },
  });
  return {
    rows: values.rows.split(',').map((v) => whole(v, 'rows')),
    answerMs: whole(values['answer-ms'], 'answer-ms'),
    concurrency: whole(values.concurrency, 'concurrency'),
    keep: values.keep,
  };
}

/** Only the variables we set reach the children: no stray TEMPORAL_*, MOVEWORKS_* or MWBATCH_* settings. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|MOVEWORKS_|MWBATCH_)/.test(name)),
  );
  return { ...env, ...extra };
}

const delta = (after: Usage, before: Usage): Usage => ({
  peakMb: after.peakMb,
  cpuSeconds: after.cpuSeconds - before.cpuSeconds,
});

/** The temp folder of the run in progress, removed if the benchmark is interrupted. */
let currentDir: string | undefined;

async function runOnce(n: number, options: Options): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), `mwbatch-bench-${n}-`));
  currentDir = dir;
  const stops: (() => Promise<void>)[] = [];
  let failed = true;
  try {
    const file = join(dir, 'questions.csv');
    const outDir = join(dir, 'out');
    const batchId = `bench-${n}`;
    await writeQuestions(file, n);

    const server = await startDevServer({ cliPath: ensureTemporalCli(), uiPort: false });
    track(server.process);
    stops.push(server.stop);
    const simArgs = ['--answer-delay', String(options.answerMs), '--token', TOKEN, '--assistant-name', ASSISTANT];
    const sim = await startSimulatorProcess(SIMULATOR, simArgs, childEnv({}));
    stops.push(() => stop(sim.child));
    const { origin } = sim;
    const temporalEnv = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE };
    const workerEnv = childEnv({
      ...temporalEnv,
      MOVEWORKS_BASE_URL: `${origin}/rest/v1beta1`,
      MOVEWORKS_ASSISTANT_NAME: ASSISTANT,
      MOVEWORKS_TOKEN: TOKEN,
    });
    const worker = await startNode([CLI, 'worker'], workerEnv, { ready: /mwbatch worker polling/ });
    stops.push(() => stop(worker.child));
    console.error(`[${n}] server ${server.address}, simulator ${origin}, worker pid ${worker.pid}; submitting...`);

    const serverPid = server.process.pid!;
    const before = { worker: usage(worker.pid), server: usage(serverPid), simulator: usage(sim.pid) };
    const reportPath = join(dir, 'client-report.json');
    const submitArgs = [file, '--batch', batchId, '--out', outDir, '--concurrency', String(options.concurrency)];
    const startedAt = Date.now();
    const client = await startNode(
      ['--require', EXIT_REPORT, CLI, 'submit', ...submitArgs],
      childEnv({ ...temporalEnv, MWBATCH_BENCH_REPORT: reportPath }),
      { echo: `[${n}] client: ` },
    );
    stops.push(() => stop(client.child));
    const exitCode = await client.exited;
    const exitedAt = Date.now();
    const after = { worker: usage(worker.pid), server: usage(serverPid), simulator: usage(sim.pid) };
    if (exitCode !== 0 && exitCode !== 1) throw new Error(`submit exited ${exitCode}:\n${client.output()}`);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as { hwmKb: number; cpuMs: number };

    const results = await readResults(outDir, n);
    const requests = await simulatorRequests(origin);
    const timeline = await batchTimeline(server.address, batchId);
    const added = results.latenciesMs.map((ms) => ms - options.answerMs);
    failed = false;
    return {
      n,
      wallS: (exitedAt - startedAt) / 1000,
      exitCode,
      completed: results.completed,
      rowsOk: results.csvOk && results.rows === n,
      addedP50: percentile(added, 0.5),
      addedP95: percentile(added, 0.95),
      requestsPerQuestion: requests / n,
      eventsPerQuestion: timeline.eventsPerWorkflow, // one question per workflow
      setupS: (timeline.firstStart - startedAt) / 1000,
      finishS: (exitedAt - timeline.lastClose) / 1000,
      meanWorkflowS: timeline.meanWorkflowMs / 1000,
      stages: timeline.stages,
      client: { peakMb: report.hwmKb / 1024, cpuSeconds: report.cpuMs / 1000 },
      worker: delta(after.worker, before.worker),
      server: delta(after.server, before.server),
      simulator: delta(after.simulator, before.simulator),
    };
  } finally {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
    if (options.keep || failed) console.error(`[${n}] files kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
    currentDir = undefined;
  }
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const f = (value: number, digits = 1) => value.toFixed(digits);

function printTables(runs: Run[], options: Options): void {
  console.log(
    `\nBulk submit: single-turn questions, answers after ${options.answerMs} ms, --concurrency ${options.concurrency}\n`,
  );
  const main = runs.map((r) => [
    String(r.n),
    f(r.wallS),
    f(r.n / r.wallS),
    f(r.addedP50, 0),
    f(r.addedP95, 0),
    f(r.requestsPerQuestion, 2),
    f(r.eventsPerQuestion, 1),
    `${r.completed}/${r.n}`,
    r.rowsOk ? 'yes' : 'no',
    f(r.client.peakMb, 0),
    f(r.worker.peakMb, 0),
  ]);
  const header = ['rows', 'wall s', 'questions/s', 'added p50 ms', 'added p95 ms', 'API req/question'];
  header.push('history events/question', 'COMPLETED', 'rows ok', 'client peak MB', 'worker peak MB');
  console.log(table(header, main));

  console.log(
    '\nWhere the time and CPU went (CPU seconds spent during the submit; peak RSS of the whole process life)\n',
  );
  const detail = runs.map((r) => [
    String(r.n),
    f(r.setupS),
    f(r.finishS),
    f(r.meanWorkflowS, 2),
    f(r.client.cpuSeconds),
    f(r.worker.cpuSeconds),
    f(r.server.cpuSeconds),
    f(r.simulator.cpuSeconds),
    f(r.server.peakMb, 0),
    f(r.simulator.peakMb, 0),
  ]);
  const header2 = ['rows', 'to first start s', 'after last close s', 'mean workflow s', 'client CPU s'];
  header2.push('worker CPU s', 'server CPU s', 'simulator CPU s', 'server peak MB', 'simulator peak MB');
  console.log(table(header2, detail));

  console.log('\nInside a workflow (mean seconds per workflow, from the sampled histories)\n');
  const s = (r: Run, key: keyof Stages) => f(r.stages[key] / 1000, 2);
  const inside = runs.map((r) => [
    String(r.n),
    s(r, 'total'),
    s(r, 'firstWorkflowTaskQueue'),
    s(r, 'workflowTaskQueue'),
    s(r, 'workflowTaskRun'),
    s(r, 'activityQueue'),
    s(r, 'activityRun'),
    s(r, 'timers'),
  ]);
  const header3 = ['rows', 'workflow', 'first workflow task queued', 'later workflow tasks queued'];
  header3.push('workflow tasks running', 'activities queued');
  header3.push('activities running', 'timers');
  console.log(table(header3, inside));
}

async function main(): Promise<void> {
  const options = parseOptions();
  killChildrenOnSignal(() => {
    if (currentDir && !options.keep) rmSync(currentDir, { recursive: true, force: true });
  });
  const runs: Run[] = [];
  try {
    for (const n of options.rows) {
      runs.push(await runOnce(n, options));
      console.error(`[${n}] done in ${f(runs.at(-1)!.wallS)} s`);
    }
  } catch (err) {
    process.exitCode = 1;
    console.error(err instanceof Error ? err.message : err);
  }
  if (runs.length > 0) printTables(runs, options);
}

void main();
