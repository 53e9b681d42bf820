/**
 * Cluster benchmark: the same bulk job on the Temporal dev server (SQLite in memory) and on the PostgreSQL-backed
 * cluster of dev/cluster.ts, with one or more `mwbatch worker` processes. Prints a markdown table, with the
 * machine's load average around each run (other work on the machine moves the figures).
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/cluster.js
 *     [--rows 1000] [--answer-ms 1000] [--concurrency 200] [--workers 1,2] [--backends dev,cluster]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../dev/cluster';
import { startDevServer } from '../dev/dev-server';
import { ensureTemporalCli } from '../dev/temporal-cli';
import { percentile, readResults, whole, writeQuestions } from './measure';
import { killChildrenOnSignal, startNode, startSimulatorProcess, stop, track, usage, type NodeChild } from './procs';

const ROOT = resolve(__dirname, '..', '..', '..'); // dist/bench/bench → the project
const CLI = join(ROOT, 'bin', 'mwbatch.js');
const SIMULATOR = join(ROOT, 'dist', 'simulator', 'bin.js');
const TASK_QUEUE = 'mwbatch-bench';
const TOKEN = 'bench-token';
const ASSISTANT = 'bench-assistant';
const CLOCK_TICKS_PER_SECOND = 100;
/** PostgreSQL runs detached (pg_ctl): stopped by this if the benchmark is interrupted. */
let stopPostgresOnSignal = () => {};

type Backend = 'dev' | 'cluster';

interface Options {
  rows: number;
  answerMs: number;
  concurrency: number;
  workers: number[];
  backends: Backend[];
}

interface Run {
  backend: Backend;
  workers: number;
  wallS: number;
  completed: number;
  rowsOk: boolean;
  addedP50: number;
  addedP95: number;
  serverCpuS: number;
  postgresCpuS?: number;
  workersCpuS: number;
  load: [number, number];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000' },
      'answer-ms': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '200' },
      workers: { type: 'string', default: '1,2' },
      backends: { type: 'string', default: 'dev,cluster' },
    },
  });
  const backends = values.backends.split(',').map((b) => {
    if (b !== 'dev' && b !== 'cluster') throw new Error(`--backends: dev or cluster, not ${b}`);
    return b as Backend;
  });
  return {
    rows: whole(values.rows, 'rows'),
    answerMs: whole(values['answer-ms'], 'answer-ms'),
    concurrency: whole(values.concurrency, 'concurrency'),
    workers: values.workers.split(',').map((w) => whole(w, 'workers')),
    backends,
  };
}

/** Only the variables we set reach the children: no stray TEMPORAL_*, MOVEWORKS_* or MWBATCH_* settings. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|MOVEWORKS_|MWBATCH_)/.test(name)),
  );
  return { ...env, ...extra };
}

/** CPU seconds of a process tree root: its own, its waited-for children's, and its live children's (/proc). */
function treeCpuSeconds(rootPid: number): number {
  const fieldsOf = (pid: number | string) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  const root = fieldsOf(rootPid);
  if (!root) return 0;
  // After "(comm)": ppid [1], utime [11], stime [12], cutime [13], cstime [14].
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const fields = fieldsOf(entry);
    if (fields && Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

async function runOnce(backend: Backend, workerCount: number, options: Options): Promise<Run> {
  const n = options.rows;
  const dir = await mkdtemp(join(tmpdir(), `mwbatch-bench-cluster-`));
  const stops: (() => Promise<void>)[] = [];
  try {
    const file = join(dir, 'questions.csv');
    const outDir = join(dir, 'out');
    await writeQuestions(file, n);

    let address: string;
    let serverPid: number;
    let postgresPid: number | undefined;
    if (backend === 'dev') {
      const server = await startDevServer({ cliPath: ensureTemporalCli(), uiPort: false });
      track(server.process);
      stops.push(server.stop);
      ({ address } = server);
      serverPid = server.process.pid!;
    } else {
      const cluster = await startCluster({ log: (line) => console.error(`[cluster] ${line}`) });
      stops.push(cluster.stop);
      track(cluster.process);
      stopPostgresOnSignal = () => void cluster.postgres.stop(); // synchronous underneath (pg_ctl stop)
      address = cluster.address;
      serverPid = cluster.process.pid!;
      const pidFile = readFileSync(join(cluster.postgres.dir, 'data', 'postmaster.pid'), 'utf8');
      postgresPid = Number(pidFile.split('\n')[0]);
    }
    const simArgs = ['--answer-delay', String(options.answerMs), '--token', TOKEN, '--assistant-name', ASSISTANT];
    const sim = await startSimulatorProcess(SIMULATOR, simArgs, childEnv({}));
    stops.push(() => stop(sim.child));
    const { origin } = sim;
    const temporalEnv = { TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE };
    const workerEnv = childEnv({
      ...temporalEnv,
      MOVEWORKS_BASE_URL: `${origin}/rest/v1beta1`,
      MOVEWORKS_ASSISTANT_NAME: ASSISTANT,
      MOVEWORKS_TOKEN: TOKEN,
    });
    const workers: NodeChild[] = [];
    for (let i = 0; i < workerCount; i++) {
      const worker = await startNode([CLI, 'worker'], workerEnv, { ready: /mwbatch worker polling/ });
      stops.push(() => stop(worker.child));
      workers.push(worker);
    }
    const label = `[${backend}, ${workerCount} worker(s)]`;
    console.error(`${label} Temporal ${address}, simulator ${origin}; submitting ${n} questions...`);

    const cpu = () => ({
      server: usage(serverPid).cpuSeconds,
      postgres: postgresPid ? treeCpuSeconds(postgresPid) : 0,
      workers: workers.reduce((sum, w) => sum + usage(w.pid).cpuSeconds, 0),
    });
    const before = cpu();
    const loadBefore = loadavg()[0]!;
    const submitArgs = [
      file,
      '--batch',
      `bench-${backend}`,
      '--out',
      outDir,
      '--concurrency',
      `${options.concurrency}`,
    ];
    const startedAt = Date.now();
    const client = await startNode([CLI, 'submit', ...submitArgs], childEnv(temporalEnv));
    stops.push(() => stop(client.child));
    const exitCode = await client.exited;
    const wallS = (Date.now() - startedAt) / 1000;
    const after = cpu();
    if (exitCode !== 0 && exitCode !== 1) throw new Error(`submit exited ${exitCode}:\n${client.output()}`);
    const results = await readResults(outDir, n);
    const added = results.latenciesMs.map((ms) => ms - options.answerMs);
    return {
      backend,
      workers: workerCount,
      wallS,
      completed: results.completed,
      rowsOk: results.csvOk && results.rows === n,
      addedP50: percentile(added, 0.5),
      addedP95: percentile(added, 0.95),
      serverCpuS: after.server - before.server,
      postgresCpuS: postgresPid ? after.postgres - before.postgres : undefined,
      workersCpuS: after.workers - before.workers,
      load: [loadBefore, loadavg()[0]!],
    };
  } finally {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    stopPostgresOnSignal = () => {};
  }
}

const f = (value: number, digits = 1) => value.toFixed(digits);

function printTable(runs: Run[], options: Options): void {
  console.log(
    `\n${options.rows} single-turn questions, answers after ${options.answerMs} ms, --concurrency ` +
      `${options.concurrency}; dev server vs PostgreSQL-backed cluster (Temporal server v1.29.1)\n`,
  );
  const header = ['Temporal', 'workers', 'wall s', 'questions/s', 'added p50 ms', 'added p95 ms', 'COMPLETED'];
  header.push('rows ok', 'server CPU s', 'PostgreSQL CPU s', 'workers CPU s', 'load 1 min before/after');
  const rows = runs.map((r) => [
    r.backend === 'dev' ? 'dev server (SQLite)' : 'cluster (PostgreSQL 15)',
    String(r.workers),
    f(r.wallS),
    f(options.rows / r.wallS),
    f(r.addedP50, 0),
    f(r.addedP95, 0),
    `${r.completed}/${options.rows}`,
    r.rowsOk ? 'yes' : 'no',
    f(r.serverCpuS),
    r.postgresCpuS === undefined ? '-' : f(r.postgresCpuS),
    f(r.workersCpuS),
    `${f(r.load[0], 2)} / ${f(r.load[1], 2)}`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
}

async function main(): Promise<void> {
  const options = parseOptions();
  killChildrenOnSignal(() => stopPostgresOnSignal());
  const runs: Run[] = [];
  try {
    for (const backend of options.backends) {
      for (const workers of options.workers) {
        runs.push(await runOnce(backend, workers, options));
        console.error(`[${backend}, ${workers} worker(s)] done in ${f(runs.at(-1)!.wallS)} s`);
      }
    }
  } catch (err) {
    process.exitCode = 1;
    console.error(err instanceof Error ? err.message : err);
  }
  if (runs.length > 0) printTable(runs, options);
}

void main();
