/**
 * mwbatch against the plain script a user would write instead: one command, one table.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/compare.js
 *     [--questions 1000] [--rps 20] [--answer-ms 2000] [--scenarios 1,2,3] [--variants A,B,C]
 *
 * Variants: A = `mwbatch submit` (polling mode, the default), B = `mwbatch submit --mode stream`, C = the plain
 * script (bench/plain-script.ts: bounded concurrency, create → submit → poll on the same schedule, no Temporal).
 * Scenarios: 1 = no rate limit, answers after --answer-ms, --concurrency-1 in flight; 2 = the simulator enforces
 * --rps requests per second (token bucket, burst = rps), --concurrency-2 in flight; 3 = every question in flight at
 * once (--concurrency-3, default = --questions), answers after --answer-ms-3, for the worker's memory.
 *
 * Every (scenario, variant) run gets fresh processes: the simulator (seeded), and for A and B a fresh in-memory
 * Temporal dev server and one worker (running a pre-built workflow bundle, as the Docker image does). Markdown on
 * stdout; progress and per-run details on stderr. See bench/COMPARE.md.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { freePort, startDevServer } from '../dev/dev-server';
import { ensureTemporalCli } from '../dev/temporal-cli';
import { machineBusySeconds, simulatorCounts, waitForQuiet, workflowShape } from './compare-inspect';
import { batchTimeline, percentile, readResults, writeQuestions } from './measure';
import { killChildrenOnSignal, startNode, stop, track, usage } from './procs';

const ROOT = resolve(__dirname, '..', '..', '..'); // dist/bench/bench → the project
const CLI = join(ROOT, 'bin', 'mwbatch.js');
const SIMULATOR = join(ROOT, 'dist', 'simulator', 'bin.js');
const WORKFLOWS = join(ROOT, 'dist', 'workflows', 'index.js');
const PLAIN_SCRIPT = join(__dirname, 'plain-script.js');
const EXIT_REPORT = join(__dirname, 'exit-report.js');
const TASK_QUEUE = 'mwbatch-compare';
const TOKEN = 'bench-token';
const ASSISTANT = 'bench-assistant';

type Variant = 'A' | 'B' | 'C';
const VARIANT_NAMES: Record<Variant, string> = {
  A: 'A mwbatch poll',
  B: 'B mwbatch stream',
  C: 'C plain script',
};

interface Options {
  questions: number;
  rps: number;
  /** The Temporal-side budget of A and B in scenario 2 (MWBATCH_RPS and `submit --rps`). */
  limitRps: number;
  answerMs: number;
  answerMs3: number;
  concurrency: [number, number, number];
  scenarios: number[];
  variants: Variant[];
  seed: number;
  /** Extra environment of the worker (`--worker-env NAME=VALUE`, repeatable), e.g. NODE_OPTIONS. */
  workerEnv: Record<string, string>;
  keep: boolean;
  quietCores: number;
  quietWaitMs: number;
  /** A run during which other processes used more than this many cores is run again (at most `reruns` times). */
  maxBackground: number;
  reruns: number;
}

interface Scenario {
  id: number;
  label: string;
  concurrency: number;
  answerMs: number;
  /** Simulator token bucket (rps = burst), or none. */
  rateLimit?: number;
}

interface Row {
  scenario: Scenario;
  variant: Variant;
  wallS: number;
  qps: number;
  completed: number;
  rowsOk: boolean;
  addedP50: number;
  addedP95: number;
  requests: number;
  rateLimited: number;
  /** Mean history length (A, B). */
  eventsPerQuestion?: number;
  workerPeakMb?: number;
  clientPeakMb: number;
  peakInFlight?: number;
  /** CPU used by processes that are not part of the run, in cores, averaged over the run. */
  backgroundCores: number;
  /** Which run of this row is reported (1 unless background load made it run again). */
  attempt: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string', default: '1000' },
      rps: { type: 'string', default: '20' },
      'limit-rps': { type: 'string' },
      'answer-ms': { type: 'string', default: '2000' },
      'answer-ms-3': { type: 'string', default: '20000' },
      'concurrency-1': { type: 'string', default: '50' },
      'concurrency-2': { type: 'string', default: '200' },
      'concurrency-3': { type: 'string' },
      scenarios: { type: 'string', default: '1,2,3' },
      variants: { type: 'string', default: 'A,B,C' },
      seed: { type: 'string', default: '1' },
      'worker-env': { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      'quiet-cores': { type: 'string', default: '0.25' },
      'quiet-wait-s': { type: 'string', default: '900' },
      'max-background': { type: 'string', default: '0.3' },
      reruns: { type: 'string', default: '2' },
    },
  });
  const positive = (text: string, name: string, integer = true) => {
    const n = Number(text);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a number > 0, not ${text}`);
    return n;
  };
  const questions = positive(values.questions, 'questions');
  const rps = positive(values.rps, 'rps', false);
  const scenarios = values.scenarios.split(',').map((s) => positive(s, 'scenarios'));
  if (scenarios.some((s) => s > 3)) throw new Error('--scenarios: 1, 2 and/or 3');
  const variants = values.variants.split(',').map((v) => v.trim().toUpperCase());
  if (variants.some((v) => !['A', 'B', 'C'].includes(v))) throw new Error('--variants: A, B and/or C');
  return {
    questions,
    rps,
    limitRps: values['limit-rps'] ? positive(values['limit-rps'], 'limit-rps', false) : rps,
    answerMs: positive(values['answer-ms'], 'answer-ms'),
    answerMs3: positive(values['answer-ms-3'], 'answer-ms-3'),
    concurrency: [
      positive(values['concurrency-1'], 'concurrency-1'),
      positive(values['concurrency-2'], 'concurrency-2'),
      values['concurrency-3'] ? positive(values['concurrency-3'], 'concurrency-3') : questions,
    ],
    scenarios,
    variants: variants as Variant[],
    seed: positive(values.seed, 'seed'),
    workerEnv: Object.fromEntries(
      values['worker-env'].map((kv) => {
        const at = kv.indexOf('=');
        if (at <= 0) throw new Error(`--worker-env takes NAME=VALUE, not ${kv}`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
    ),
    keep: values.keep,
    quietCores: Number(values['quiet-cores']),
    quietWaitMs: Number(values['quiet-wait-s']) * 1000,
    maxBackground: Number(values['max-background']),
    reruns: Number(values.reruns),
  };
}

function scenarioOf(id: number, o: Options): Scenario {
  const concurrency = o.concurrency[id - 1]!;
  if (id === 1) return { id, label: `1 no limit`, concurrency, answerMs: o.answerMs };
  if (id === 2) return { id, label: `2 limit ${o.rps} req/s`, concurrency, answerMs: o.answerMs, rateLimit: o.rps };
  return { id, label: `3 all in flight`, concurrency, answerMs: o.answerMs3 };
}

/** Only the variables we set reach the children: no stray TEMPORAL_*, MOVEWORKS_* or MWBATCH_* settings. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|MOVEWORKS_|MWBATCH_)/.test(name)),
  );
  return { ...env, ...extra };
}

/** Current resident set of a process, MB (0 once it is gone). */
function rssMb(pid: number): number {
  try {
    return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runOne(scenario: Scenario, variant: Variant, o: Options, shared: { bundle: string }): Promise<Row> {
  const tag = `[s${scenario.id} ${variant}]`;
  const dir = await mkdtemp(join(tmpdir(), `mwbatch-compare-s${scenario.id}${variant}-`));
  const stops: (() => Promise<void>)[] = [];
  let failed = true;
  try {
    const n = o.questions;
    const idle = await waitForQuiet(o.quietCores, o.quietWaitMs, (line) => log(`${tag} ${line}`));
    log(`${tag} other processes use ${idle.toFixed(2)} cores before the start`);
    const file = join(dir, 'questions.csv');
    const outDir = join(dir, 'out');
    const batchId = `compare-s${scenario.id}-${variant}`;
    const reportPath = join(dir, 'client-report.json');
    await writeQuestions(file, n);

    const simPort = await freePort();
    const origin = `http://127.0.0.1:${simPort}`;
    const simArgs = ['--port', String(simPort), '--seed', String(o.seed), '--answer-delay', String(scenario.answerMs)];
    simArgs.push('--token', TOKEN, '--assistant-name', ASSISTANT);
    if (scenario.rateLimit)
      simArgs.push('--rate-limit', String(scenario.rateLimit), '--burst', String(scenario.rateLimit));
    const sim = await startNode([SIMULATOR, ...simArgs], childEnv({}), { ready: /listening on/ });
    stops.push(() => stop(sim.child));
    const moveworksEnv = {
      MOVEWORKS_BASE_URL: `${origin}/rest/v1beta1`,
      MOVEWORKS_ASSISTANT_NAME: ASSISTANT,
      MOVEWORKS_TOKEN: TOKEN,
    };

    let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
    let workerPid: number | undefined;
    let args: string[];
    if (variant === 'C') {
      args = [PLAIN_SCRIPT, file, '--out', outDir, '--concurrency', String(scenario.concurrency)];
    } else {
      server = await startDevServer({ cliPath: ensureTemporalCli(), uiPort: false });
      track(server.process);
      stops.push(server.stop);
      const temporalEnv = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE };
      const budget: Record<string, string> = scenario.rateLimit ? { MWBATCH_RPS: String(o.limitRps) } : {};
      const workerEnv = childEnv({
        ...temporalEnv,
        ...moveworksEnv,
        ...budget,
        MWBATCH_WORKFLOW_BUNDLE: shared.bundle,
        ...o.workerEnv,
      });
      const worker = await startNode([CLI, 'worker'], workerEnv, { ready: /mwbatch worker polling/ });
      stops.push(() => stop(worker.child));
      workerPid = worker.pid;
      args = [CLI, 'submit', file, '--batch', batchId, '--out', outDir, '--concurrency', String(scenario.concurrency)];
      if (scenario.rateLimit) args.push('--rps', String(o.limitRps));
      if (variant === 'B') args.push('--mode', 'stream');
    }
    const clientEnv =
      variant === 'C'
        ? childEnv({ ...moveworksEnv, MWBATCH_BENCH_REPORT: reportPath })
        : childEnv({
            TEMPORAL_ADDRESS: server!.address,
            TEMPORAL_TASK_QUEUE: TASK_QUEUE,
            MWBATCH_BENCH_REPORT: reportPath,
          });
    log(
      `${tag} ${n} questions, concurrency ${scenario.concurrency}, answers after ${scenario.answerMs} ms; running...`,
    );

    const pids: Record<string, number> = { simulator: sim.pid };
    if (server) pids.server = server.process.pid!;
    if (workerPid !== undefined) pids.worker = workerPid;
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, usage(pid).cpuSeconds]));
    const busyBefore = machineBusySeconds();
    const selfBefore = process.cpuUsage();
    const rssSamples: number[] = [];
    const sampler = workerPid === undefined ? undefined : setInterval(() => rssSamples.push(rssMb(workerPid!)), 1000);
    const workerIdleMb = workerPid === undefined ? undefined : rssMb(workerPid);
    const startedAt = Date.now();
    const client = await startNode(['--require', EXIT_REPORT, ...args], clientEnv, { echo: `${tag} client: ` });
    stops.push(() => stop(client.child));
    const exitCode = await client.exited;
    const wallS = (Date.now() - startedAt) / 1000;
    clearInterval(sampler);
    const busyAfter = machineBusySeconds();
    const self = process.cpuUsage(selfBefore);
    const workerPeakMb = workerPid === undefined ? undefined : usage(workerPid).peakMb;
    const cpuS = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, Number((usage(pid).cpuSeconds - cpuBefore[k]!).toFixed(1))]),
    );
    if (exitCode !== 0 && exitCode !== 1) throw new Error(`${tag} client exited ${exitCode}:\n${client.output()}`);

    const report = JSON.parse(await readFile(reportPath, 'utf8')) as { hwmKb: number; cpuMs: number };
    cpuS.client = Number((report.cpuMs / 1000).toFixed(1));
    cpuS.bench = Number(((self.user + self.system) / 1e6).toFixed(1));
    const ours = Object.values(cpuS).reduce((sum, v) => sum + v, 0);
    const backgroundCores = Math.max(0, (busyAfter - busyBefore - ours) / wallS);
    const results = await readResults(outDir, n);
    const counts = await simulatorCounts(origin);
    const added = results.latenciesMs.map((ms) => ms - scenario.answerMs);
    const row: Row = {
      scenario,
      variant,
      wallS,
      qps: n / wallS,
      completed: results.completed,
      rowsOk: results.csvOk && results.rows === n,
      addedP50: percentile(added, 0.5),
      addedP95: percentile(added, 0.95),
      requests: counts.total,
      rateLimited: counts.rateLimited,
      workerPeakMb,
      clientPeakMb: report.hwmKb / 1024,
      backgroundCores,
      attempt: 1,
    };
    const detail: Record<string, unknown> = { wallS: Number(wallS.toFixed(1)), cpuS, requests: counts.byRouteStatus };
    if (server) {
      const timeline = await batchTimeline(server.address, batchId);
      row.eventsPerQuestion = timeline.eventsPerWorkflow; // one question per workflow
      const shape = await workflowShape(server.address, batchId);
      row.peakInFlight = shape.peakOpen;
      detail.eventsByType = shape.eventsByType;
      detail.stagesMs = timeline.stages;
      detail.workerRssMb = {
        beforeSubmit: Math.round(workerIdleMb!),
        every10s: rssSamples.filter((_, i) => i % 10 === 0),
      };
      detail.meanWorkflowMs = Math.round(timeline.meanWorkflowMs);
      detail.toFirstStartMs = timeline.firstStart - startedAt;
      detail.afterLastCloseMs = startedAt + wallS * 1000 - timeline.lastClose;
    } else {
      const summary = /\{"questions".*\}/.exec(client.output());
      if (summary) row.peakInFlight = (JSON.parse(summary[0]) as { peakInFlight: number }).peakInFlight;
    }
    log(
      `${tag} done: ${f(row.qps, 2)} questions/s, ${row.completed}/${n} COMPLETED, peak in flight ${row.peakInFlight}`,
    );
    log(`${tag} details ${JSON.stringify(detail)}`);
    failed = false;
    return row;
  } finally {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
    if (o.keep || failed) log(`${tag} files kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one row, and again (at most `reruns` times) while other processes used more than `maxBackground` cores
 * during it; reports the run with the least background load.
 */
async function measured(scenario: Scenario, variant: Variant, o: Options, shared: { bundle: string }): Promise<Row> {
  let best: Row | undefined;
  for (let attempt = 1; attempt <= 1 + o.reruns; attempt++) {
    const row = { ...(await runOne(scenario, variant, o, shared)), attempt };
    if (!best || row.backgroundCores < best.backgroundCores) best = row;
    if (row.backgroundCores <= o.maxBackground) break;
    const again = attempt <= o.reruns ? '; running it again' : '';
    log(`[s${scenario.id} ${variant}] other processes used ${f(row.backgroundCores, 2)} cores during the run${again}`);
  }
  return best!;
}

const f = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);

/** API requests the simulator accepted (not 429) per question: what one question costs of the budget. */
const acceptedPerQuestion = (r: Row, n: number) => (r.requests - r.rateLimited) / n;

/** Scenario 2: achieved questions/s over the limit's ceiling, R ÷ accepted requests per question. */
function ceiling(r: Row, o: Options): { qps: number; percent: number } | undefined {
  if (!r.scenario.rateLimit) return undefined;
  const qps = r.scenario.rateLimit / acceptedPerQuestion(r, o.questions);
  return { qps, percent: (100 * r.qps) / qps };
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function printTable(rows: Row[], o: Options): void {
  const n = o.questions;
  const c = (r: Row) => rows.find((x) => x.scenario.id === r.scenario.id && x.variant === 'C');
  const header = ['scenario', 'variant', 'in flight', 'questions/s', 'ratio to C', 'added p50 ms', 'added p95 ms'];
  header.push('API req/question', '429s', 'history events/question', 'worker peak MB', 'client peak MB');
  header.push('% of ceiling (ceiling q/s)', 'COMPLETED', 'background CPU (cores)');
  const body = rows.map((r) => {
    const ref = c(r);
    const cap = ceiling(r, o);
    return [
      r.scenario.label,
      VARIANT_NAMES[r.variant],
      `${r.scenario.concurrency} (peak ${r.peakInFlight ?? '?'})`,
      f(r.qps, 2),
      ref ? f(r.qps / ref.qps, 2) : 'n/a',
      f(r.addedP50, 0),
      f(r.addedP95, 0),
      f(r.requests / n, 2),
      String(r.rateLimited),
      f(r.eventsPerQuestion, 1),
      f(r.workerPeakMb, 0),
      f(r.clientPeakMb, 0),
      cap ? `${f(cap.percent, 1)} % (${f(cap.qps, 2)})` : '–',
      `${r.completed}/${n}${r.rowsOk ? '' : ' (rows!)'}`,
      `${f(r.backgroundCores, 2)}${r.attempt > 1 ? ` (run ${r.attempt})` : ''}`,
    ];
  });
  const limitNote = o.limitRps === o.rps ? `${o.rps}` : `${o.limitRps} (simulator ${o.rps})`;
  console.log(
    `\n${n} single-turn questions per run; simulator seed ${o.seed}; answers after ${o.answerMs} ms ` +
      `(scenario 3: ${o.answerMs3} ms); scenario 2: simulator bucket ${o.rps} req/s, burst ${o.rps}; ` +
      `A and B with MWBATCH_RPS = submit --rps = ${limitNote}\n`,
  );
  console.log(table(header, body));
  printTargets(rows, o);
}

function printTargets(rows: Row[], o: Options): void {
  const n = o.questions;
  const get = (s: number, v: Variant) => rows.find((r) => r.scenario.id === s && r.variant === v);
  const lines: string[] = [];
  const target = (text: string, measured: string | undefined, met: boolean | undefined) =>
    lines.push(
      `- ${met === undefined ? 'NOT MEASURED' : met ? 'met' : 'MISSED'}: ${text}${measured ? ` — ${measured}` : ''}`,
    );

  for (const [v, min] of [
    ['A', 0.8],
    ['B', 0.9],
  ] as const) {
    const r = get(1, v);
    const ref = get(1, 'C');
    const ratio = r && ref ? r.qps / ref.qps : undefined;
    target(
      `scenario 1: ${v} reaches at least ${min} of C's questions/s`,
      ratio === undefined ? undefined : `${f(ratio, 2)} (${f(r!.qps, 2)} vs ${f(ref!.qps, 2)} q/s)`,
      ratio === undefined ? undefined : ratio >= min,
    );
  }
  for (const v of ['A', 'B'] as const) {
    const r = get(2, v);
    const cap = r && ceiling(r, o);
    target(
      `scenario 2: ${v} reaches at least 95 % of the rate-limit ceiling`,
      cap
        ? `${f(cap.percent, 1)} % of ${f(cap.qps, 2)} q/s (${f(acceptedPerQuestion(r!, n), 2)} accepted req/question)`
        : undefined,
      cap ? cap.percent >= 95 : undefined,
    );
    const share = r ? (100 * r.rateLimited) / Math.max(1, r.requests) : undefined;
    target(
      `scenario 2: ${v} has fewer than 1 % of requests answered 429`,
      r ? `${f(share, 2)} % (${r.rateLimited} of ${r.requests})` : undefined,
      r ? share! < 1 : undefined,
    );
  }
  for (const [v, max] of [
    ['A', 40],
    ['B', 20],
  ] as const) {
    const r = get(1, v);
    target(
      `history events/question at most ${max} (${v}, scenario 1)`,
      r ? f(r.eventsPerQuestion, 1) : undefined,
      r?.eventsPerQuestion === undefined ? undefined : r.eventsPerQuestion <= max,
    );
  }
  {
    const a = get(1, 'A');
    const b = get(1, 'B');
    target(
      'API requests/question at most 4 (A, scenario 1)',
      a ? f(a.requests / n, 2) : undefined,
      a ? a.requests / n <= 4 : undefined,
    );
    target(
      'API requests/question exactly 2 (B, scenario 1)',
      b ? `${f(b.requests / n, 3)} (${b.requests} requests)` : undefined,
      b ? b.requests === 2 * n : undefined,
    );
  }
  for (const v of ['A', 'B'] as const) {
    const r = get(3, v);
    const enough = r?.peakInFlight !== undefined && r.peakInFlight >= 1000;
    const measured = r ? `${f(r.workerPeakMb, 0)} MB with ${r.peakInFlight} conversations open at once` : undefined;
    target(
      `worker peak RSS under 400 MB with 1,000 conversations in flight (${v}, scenario 3)`,
      measured && !enough ? `${measured} (fewer than 1,000: not the target's condition)` : measured,
      r && enough ? r.workerPeakMb! < 400 : undefined,
    );
  }
  console.log(`\nTargets\n\n${lines.join('\n')}`);
}

async function main(): Promise<void> {
  const o = parseOptions();
  killChildrenOnSignal();
  const work = await mkdtemp(join(tmpdir(), 'mwbatch-compare-'));
  const rows: Row[] = [];
  try {
    const shared = { bundle: join(work, 'workflow-bundle.js') };
    if (o.variants.some((v) => v !== 'C')) {
      const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: new DefaultLogger('WARN') });
      await writeFile(shared.bundle, code);
    }
    for (const id of o.scenarios) {
      const scenario = scenarioOf(id, o);
      // C first: the reference its row's "ratio to C" needs.
      for (const variant of [...o.variants].sort((a, b) => (a === 'C' ? -1 : b === 'C' ? 1 : a.localeCompare(b)))) {
        rows.push(await measured(scenario, variant, o, shared));
      }
    }
  } catch (err) {
    process.exitCode = 1;
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  rows.sort((a, b) => a.scenario.id - b.scenario.id || a.variant.localeCompare(b.variant));
  if (rows.length > 0) printTable(rows, o);
}

void main();
