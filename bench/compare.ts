/**
 * mwbatch against the plain script a user would write instead: one command, one table.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/compare.js
 *     [--questions 1000] [--rps 20] [--answer-ms 2000] [--scenarios 1,2,3] [--variants A,B,AG,BG,C,C1,D]
 *     [--baseline-cpu A=59,B=45] [--per-workflow 10] [--at-once K] [--code DIR]
 *
 * Variants: A = `mwbatch submit` (polling mode, the default), B = `mwbatch submit --mode stream`, AG and BG the same
 * with `--per-workflow N --at-once K` (single-turn questions asked in groups, batch/groups.ts; default: the README's
 * layout for the scenario's in flight, groupLayout below), and the plain
 * scripts (bench/plain-script.ts: bounded concurrency, no Temporal): C = create → submit → poll on the workflows'
 * schedule, C1 = the same polling every 1 s, D = create → stream (SSE). The plain variants run first in each
 * scenario: they are the references of the ratio columns (A and B to C; A to C1, B to D).
 * Prototypes, run only when named in --variants: several questions per workflow (bench/prototype/), GA/GB in fixed
 * groups of --per-workflow questions, LA/LB as updates of long-lived lanes (A = poll, B = stream), QB/QGB asking
 * through a local activity, a workflow per question or in groups (stream), WB asking --per-workflow questions at a
 * time inside one activity per lane (stream), WGB groups of --per-workflow each asked by one activity; not
 * exactly-once.
 * Scenarios: 1 = no rate limit, answers after --answer-ms, --concurrency-1 in flight; 2 = the simulator enforces
 * --rps requests per second (token bucket, burst = rps), --concurrency-2 in flight; 3 = every question in flight at
 * once (--concurrency-3, default = --questions), answers after --answer-ms-3: throughput and the worker's memory at
 * scale. A targets block after the table lists issue 14's targets (bench/COMPARE.md).
 *
 * `--code DIR` runs the mwbatch variants with the build in DIR instead (another checkout after `npm run build`: its
 * bin/mwbatch.js and dist/workflow-bundle.js), for a before-and-after comparison on the same machine the same hour.
 *
 * Every (scenario, variant) run gets fresh processes: the simulator (seeded), and for A and B a fresh in-memory
 * Temporal dev server and one worker (running a pre-built workflow bundle, as the Docker image does). Markdown on
 * stdout; progress and per-run details on stderr. See bench/COMPARE.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../dev/dev-server';
import { ensureTemporalCli } from '../dev/temporal-cli';
import {
  askedOnce,
  machineBusySeconds,
  simulatorCounts,
  waitForQuiet,
  workflowShape,
  type AskedOnce,
} from './compare-inspect';
import { batchTimeline, percentile, questionText, readResults, writeQuestions } from './measure';
import { killChildrenOnSignal, startNode, startSimulatorProcess, stop, track, usage } from './procs';

const ROOT = resolve(__dirname, '..', '..', '..'); // dist/bench/bench → the project
const CLI = join(ROOT, 'bin', 'mwbatch.js');
const SIMULATOR = join(ROOT, 'dist', 'simulator', 'bin.js');
const WORKFLOWS = join(ROOT, 'dist', 'workflows', 'index.js');
const PROTOTYPE_WORKFLOWS = join(__dirname, 'prototype', 'workflows.js');
const PROTOTYPE_CLIENT = join(__dirname, 'prototype', 'grouped-client.js');
const PLAIN_SCRIPT = join(__dirname, 'plain-script.js');
const EXIT_REPORT = join(__dirname, 'exit-report.js');
const TASK_QUEUE = 'mwbatch-compare';
const TOKEN = 'bench-token';
const ASSISTANT = 'bench-assistant';

const VARIANTS = ['A', 'B', 'AG', 'BG', 'C', 'C1', 'D', 'GA', 'GB', 'LA', 'LB', 'QB', 'QGB', 'WB', 'WGB'] as const;
type Variant = (typeof VARIANTS)[number];
/** What `--variants` runs when not given: the product and the plain scripts, not the prototypes. */
const DEFAULT_VARIANTS: Variant[] = ['A', 'B', 'AG', 'BG', 'C', 'C1', 'D'];
const VARIANT_NAMES: Record<Variant, string> = {
  A: 'A mwbatch poll',
  B: 'B mwbatch stream',
  AG: 'AG mwbatch poll, groups',
  BG: 'BG mwbatch stream, groups',
  C: 'C plain script',
  C1: 'C1 plain script, 1 s polls',
  D: 'D plain script, stream',
  GA: 'GA prototype groups, poll',
  GB: 'GB prototype groups, stream',
  LA: 'LA prototype lanes, poll',
  LB: 'LB prototype lanes, stream',
  QB: 'QB prototype local activity, stream',
  QGB: 'QGB prototype local activities, stream, groups',
  WB: 'WB prototype one activity per window, stream',
  WGB: 'WGB prototype one activity per group, stream',
};
/** The plain scripts and their options (bench/plain-script.ts). */
const PLAIN_ARGS: Partial<Record<Variant, string[]>> = { C: [], C1: ['--poll-every-ms', '1000'], D: ['--stream'] };
const isPlain = (v: Variant) => PLAIN_ARGS[v] !== undefined;
/** The prototypes (bench/prototype/grouped-client.ts): their shape and mode. */
const PROTOTYPE_ARGS: Partial<Record<Variant, string[]>> = {
  GA: ['--shape', 'groups', '--mode', 'poll'],
  GB: ['--shape', 'groups', '--mode', 'stream'],
  LA: ['--shape', 'lanes', '--mode', 'poll'],
  LB: ['--shape', 'lanes', '--mode', 'stream'],
  // A workflow per question (the last --per-workflow wins) whose opening is a local activity (session 16).
  QB: ['--shape', 'groups', '--mode', 'stream', '--local', '--per-workflow', '1'],
  QGB: ['--shape', 'groups', '--mode', 'stream', '--local'],
  WB: ['--shape', 'window', '--mode', 'stream'],
  WGB: ['--shape', 'window-groups', '--mode', 'stream'],
};
const isPrototype = (v: Variant) => PROTOTYPE_ARGS[v] !== undefined;
/** Run order within a scenario: the references first. */
const RUN_ORDER: Variant[] = ['C', 'C1', 'D', 'A', 'B', 'AG', 'BG', 'GA', 'GB', 'LA', 'LB', 'QB', 'QGB', 'WB', 'WGB'];
/** The plain script each way of asking is also compared with: polling with C1, streaming with D. */
const OWN_REFERENCE: Partial<Record<Variant, Variant>> = {
  A: 'C1',
  B: 'D',
  AG: 'C1',
  BG: 'D',
  GA: 'C1',
  GB: 'D',
  LA: 'C1',
  LB: 'D',
  QB: 'D',
  QGB: 'D',
  WB: 'D',
  WGB: 'D',
};
/** The variants that run `mwbatch submit`; the targets are checked for each. */
const PRODUCT_VARIANTS = ['A', 'B', 'AG', 'BG'] as const;
const PRODUCT: Partial<Record<Variant, true>> = { A: true, B: true, AG: true, BG: true };
/** The product's variants that ask single-turn questions in groups (`submit --per-workflow`). */
const GROUPED: Partial<Record<Variant, true>> = { AG: true, BG: true };

/** How AG and BG lay a scenario's questions out in groups: `submit --per-workflow` and `--at-once`. */
interface GroupLayout {
  perWorkflow: number;
  atOnce?: number;
}

/**
 * AG's and BG's layout: `--per-workflow` / `--at-once` when given, otherwise the README's advice for the scenario's
 * in flight ("Which N and K"): up to 100 in flight, groups of 100 asking a tenth of it each at a time (50: five);
 * more, groups of ten all at once.
 */
function groupLayout(scenario: Pick<Scenario, 'concurrency'>, o: Options): GroupLayout {
  if (o.groupsGiven) return { perWorkflow: o.perWorkflow, atOnce: o.atOnce };
  if (scenario.concurrency <= 100)
    return { perWorkflow: 100, atOnce: Math.max(1, Math.round(scenario.concurrency / 10)) };
  return { perWorkflow: 10 };
}

/** The `submit` options of a layout. */
const layoutArgs = ({ perWorkflow, atOnce }: GroupLayout): string[] => [
  '--per-workflow',
  String(perWorkflow),
  ...(atOnce === undefined ? [] : ['--at-once', String(atOnce)]),
];
const layoutText = (layout: GroupLayout) => layoutArgs(layout).join(' ');

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
  /** `--baseline-cpu A=59,B=45`: scenario 1's CPU ms/question before the change, for the "halved" target. */
  baselineCpu: Partial<Record<'A' | 'B', number>>;
  quietCores: number;
  quietWaitMs: number;
  /** A run during which other processes used more than this many cores is run again (at most `reruns` times). */
  maxBackground: number;
  reruns: number;
  /** Measurements per row; the row reports the one with the median questions/s. */
  repeats: number;
  /** `--code DIR`: the mwbatch variants run this other build (before/after comparisons); default: this tree's. */
  code?: string;
  /** Prototypes: questions per workflow (GA, GB, QGB, WGB), per lane (LA, LB) or in flight per activity (WB). */
  perWorkflow: number;
  /** `--at-once K`: AG and BG ask K of a group's questions at a time (`submit --at-once`); default all of them. */
  atOnce?: number;
  /** Whether `--per-workflow` or `--at-once` was given: AG and BG then use them, otherwise groupLayout's advice. */
  groupsGiven: boolean;
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
  questions: number;
  wallS: number;
  qps: number;
  completed: number;
  rowsOk: boolean;
  addedP50: number;
  addedP95: number;
  requests: number;
  /** Requests made once per batch, not per question (A, B: the pre-flight API check). */
  perBatchRequests: number;
  rateLimited: number;
  /** CPU of the Temporal server, the worker and the client (plain variants: the client only) per question, ms. */
  cpuMsPerQuestion: number;
  asked: AskedOnce;
  /** Mean history length (A, B). */
  eventsPerQuestion?: number;
  workerPeakMb?: number;
  clientPeakMb: number;
  peakInFlight?: number;
  /** CPU used by processes that are not part of the run, in cores, averaged over the run. */
  backgroundCores: number;
  /** Which run of this row is reported (1 unless background load made it run again). */
  attempt: number;
  /** With `--repeats` K > 1: the questions/s of all K measurements, the reported row being the median one. */
  repeatsQps?: number[];
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
      variants: { type: 'string', default: DEFAULT_VARIANTS.join(',') },
      'baseline-cpu': { type: 'string' },
      seed: { type: 'string', default: '1' },
      'worker-env': { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      'quiet-cores': { type: 'string', default: '0.25' },
      'quiet-wait-s': { type: 'string', default: '900' },
      'max-background': { type: 'string', default: '0.3' },
      reruns: { type: 'string', default: '2' },
      repeats: { type: 'string', default: '1' },
      'per-workflow': { type: 'string' },
      'at-once': { type: 'string' },
      code: { type: 'string' },
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
  if (variants.some((v) => !(VARIANTS as readonly string[]).includes(v))) {
    throw new Error(`--variants: some of ${VARIANTS.join(', ')}, not ${values.variants}`);
  }
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
    baselineCpu: parseBaselineCpu(values['baseline-cpu']),
    quietCores: Number(values['quiet-cores']),
    quietWaitMs: Number(values['quiet-wait-s']) * 1000,
    maxBackground: Number(values['max-background']),
    reruns: Number(values.reruns),
    repeats: positive(values.repeats, 'repeats'),
    perWorkflow: positive(values['per-workflow'] ?? '10', 'per-workflow'),
    groupsGiven: values['per-workflow'] !== undefined || values['at-once'] !== undefined,
    atOnce: values['at-once'] === undefined ? undefined : positive(values['at-once'], 'at-once'),
    code: values.code === undefined ? undefined : codeDir(values.code),
  };
}

/** `--code DIR`: a built checkout of mwbatch (its CLI and its workflow bundle must be there). */
function codeDir(dir: string): string {
  const root = resolve(dir);
  for (const file of [join('bin', 'mwbatch.js'), join('dist', 'workflow-bundle.js')]) {
    if (!existsSync(join(root, file))) throw new Error(`--code ${dir}: no ${file} there (run npm run build in it)`);
  }
  return root;
}

/** `A=59,B=45` → { A: 59, B: 45 } (ms of CPU per question). */
function parseBaselineCpu(text: string | undefined): Partial<Record<'A' | 'B', number>> {
  const baseline: Partial<Record<'A' | 'B', number>> = {};
  for (const part of (text ?? '').split(',').filter((p) => p.trim())) {
    const [name, value] = part.split('=').map((x) => x.trim().toUpperCase());
    const ms = Number(value);
    if ((name !== 'A' && name !== 'B') || !(ms > 0)) {
      throw new Error(`--baseline-cpu takes A=MS,B=MS (CPU ms per question), not ${text}`);
    }
    baseline[name] = ms;
  }
  return baseline;
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

/** The workflow bundles the workers run: the product's (A, B) and the prototypes' (bench/prototype/workflows.ts). */
interface Bundles {
  product: string;
  prototype: string;
}

async function runOne(scenario: Scenario, variant: Variant, o: Options, shared: Bundles): Promise<Row> {
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

    const simArgs = ['--seed', String(o.seed), '--answer-delay', String(scenario.answerMs)];
    simArgs.push('--token', TOKEN, '--assistant-name', ASSISTANT);
    if (scenario.rateLimit)
      simArgs.push('--rate-limit', String(scenario.rateLimit), '--burst', String(scenario.rateLimit));
    const sim = await startSimulatorProcess(SIMULATOR, simArgs, childEnv({}));
    stops.push(() => stop(sim.child));
    const { origin } = sim;
    const moveworksEnv = {
      MOVEWORKS_BASE_URL: `${origin}/rest/v1beta1`,
      MOVEWORKS_ASSISTANT_NAME: ASSISTANT,
      MOVEWORKS_TOKEN: TOKEN,
    };

    let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
    let workerPid: number | undefined;
    let args: string[];
    if (isPlain(variant)) {
      args = [PLAIN_SCRIPT, file, '--out', outDir, '--concurrency', String(scenario.concurrency)];
      args.push(...PLAIN_ARGS[variant]!);
    } else {
      server = await startDevServer({ cliPath: ensureTemporalCli(), uiPort: false });
      track(server.process);
      stops.push(server.stop);
      const temporalEnv = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE };
      // --code: another build's CLI, worker and workflow bundle (its own bundle, never this tree's).
      const cli = o.code ? join(o.code, 'bin', 'mwbatch.js') : CLI;
      const productBundle = o.code ? join(o.code, 'dist', 'workflow-bundle.js') : shared.product;
      const budget: Record<string, string> = scenario.rateLimit ? { MWBATCH_RPS: String(o.limitRps) } : {};
      const workerEnv = childEnv({
        ...temporalEnv,
        ...moveworksEnv,
        ...budget,
        MWBATCH_WORKFLOW_BUNDLE: isPrototype(variant) ? shared.prototype : productBundle,
        ...o.workerEnv,
      });
      const worker = await startNode([cli, 'worker'], workerEnv, { ready: /mwbatch worker polling/ });
      stops.push(() => stop(worker.child));
      workerPid = worker.pid;
      if (isPrototype(variant)) {
        args = [PROTOTYPE_CLIENT, file, '--batch', batchId, '--out', outDir];
        args.push('--concurrency', String(scenario.concurrency), '--per-workflow', String(o.perWorkflow));
        args.push(...PROTOTYPE_ARGS[variant]!);
      } else {
        args = [cli, 'submit', file, '--batch', batchId, '--out', outDir];
        args.push('--concurrency', String(scenario.concurrency));
        if (scenario.rateLimit) args.push('--rps', String(o.limitRps));
        if (variant === 'B' || variant === 'BG') args.push('--mode', 'stream');
        if (GROUPED[variant]) args.push(...layoutArgs(groupLayout(scenario, o)));
      }
    }
    const clientEnv = isPlain(variant)
      ? childEnv({ ...moveworksEnv, MWBATCH_BENCH_REPORT: reportPath })
      : childEnv({
          TEMPORAL_ADDRESS: server!.address,
          TEMPORAL_TASK_QUEUE: TASK_QUEUE,
          MWBATCH_BENCH_REPORT: reportPath,
          // WB's and WGB's client runs the worker of their one activity per workflow (prototype/window-activity.ts).
          ...((variant === 'WB' || variant === 'WGB') && moveworksEnv),
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
    const cpu: Record<string, number> = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, usage(pid).cpuSeconds - cpuBefore[k]!]),
    );
    if (exitCode !== 0 && exitCode !== 1) throw new Error(`${tag} client exited ${exitCode}:\n${client.output()}`);

    const report = JSON.parse(await readFile(reportPath, 'utf8')) as { hwmKb: number; cpuMs: number };
    cpu.client = report.cpuMs / 1000;
    cpu.bench = (self.user + self.system) / 1e6;
    const ours = Object.values(cpu).reduce((sum, v) => sum + v, 0);
    const backgroundCores = Math.max(0, (busyAfter - busyBefore - ours) / wallS);
    // The simulator stands in for the API: its CPU is not the cost of either way of asking.
    const askingCpuS = (cpu.server ?? 0) + (cpu.worker ?? 0) + cpu.client;
    const cpuS = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(v.toFixed(1))]));
    const results = await readResults(outDir, n);
    const counts = await simulatorCounts(origin);
    const asked = askedOnce(
      counts,
      Array.from({ length: n }, (_, i) => questionText(i + 1)),
    );
    const added = results.latenciesMs.map((ms) => ms - scenario.answerMs);
    const row: Row = {
      scenario,
      variant,
      questions: n,
      wallS,
      qps: n / wallS,
      completed: results.completed,
      rowsOk: results.csvOk && results.rows === n,
      addedP50: percentile(added, 0.5),
      addedP95: percentile(added, 0.95),
      requests: counts.total,
      perBatchRequests: counts.perBatch,
      rateLimited: counts.rateLimited,
      cpuMsPerQuestion: (askingCpuS / n) * 1000,
      asked,
      workerPeakMb,
      clientPeakMb: report.hwmKb / 1024,
      backgroundCores,
      attempt: 1,
    };
    const detail: Record<string, unknown> = { wallS: Number(wallS.toFixed(1)), cpuS, requests: counts.byRouteStatus };
    if (server) {
      const timeline = await batchTimeline(server.address, batchId);
      // A and B: one question per workflow; AG, BG and the prototypes: several.
      row.eventsPerQuestion = (timeline.eventsPerWorkflow * timeline.workflows) / n;
      const layout = GROUPED[variant] ? groupLayout(scenario, o) : undefined;
      const shape = await workflowShape(server.address, batchId, layout && (layout.atOnce ?? layout.perWorkflow));
      row.peakInFlight = isPrototype(variant) ? clientSummary(client.output())?.peakInFlight : shape.peakQuestions;
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
      row.peakInFlight = clientSummary(client.output())?.peakInFlight;
    }
    log(
      `${tag} done: ${f(row.qps, 2)} questions/s, ${row.completed}/${n} COMPLETED, peak in flight ` +
        `${row.peakInFlight}, asked once: ${askedCell(row)}`,
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

/** The JSON summary line the plain scripts and the prototype client print last: `{"questions":…,"peakInFlight":…}`. */
function clientSummary(output: string): { peakInFlight: number } | undefined {
  const line = /\{"questions".*\}/.exec(output);
  return line ? (JSON.parse(line[0]) as { peakInFlight: number }) : undefined;
}

/**
 * Runs one row, and again (at most `reruns` times) while other processes used more than `maxBackground` cores
 * during it; reports the run with the least background load.
 */
async function measured(scenario: Scenario, variant: Variant, o: Options, shared: Bundles): Promise<Row> {
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

/**
 * `--repeats` K: measures the row K times and reports the measurement with the median questions/s (the lower middle
 * one for an even K), keeping every measurement's questions/s for the table. Scenario 3 is not stable from one run
 * to the next on a 2-core machine (bench/COMPARE.md, "Session 9"): one run alone can mislead.
 */
async function repeated(scenario: Scenario, variant: Variant, o: Options, shared: Bundles): Promise<Row> {
  if (o.repeats === 1) return measured(scenario, variant, o, shared);
  const runs: Row[] = [];
  for (let i = 1; i <= o.repeats; i++) {
    log(`[s${scenario.id} ${variant}] measurement ${i} of ${o.repeats}`);
    runs.push(await measured(scenario, variant, o, shared));
  }
  const byQps = [...runs].sort((a, b) => a.qps - b.qps);
  return { ...byQps[Math.floor((byQps.length - 1) / 2)]!, repeatsQps: runs.map((r) => r.qps) };
}

/** `20.06`, or with repeats the median then every measurement in run order: `20.06 (11.62, 20.06, 20.46)`. */
function qpsCell(r: Row): string {
  if (!r.repeatsQps) return f(r.qps, 2);
  return `${f(r.qps, 2)} (${r.repeatsQps.map((q) => f(q, 2)).join(', ')})`;
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

/** "yes" when every question was asked exactly once and every row is COMPLETED; otherwise what went wrong. */
function askedCell(r: Row): string {
  const problems: string[] = [];
  const { questions } = r;
  if (r.asked.accepted !== questions) problems.push(`${r.asked.accepted} accepted POSTs`);
  if (r.asked.twice > 0) problems.push(`${r.asked.twice} asked more than once`);
  if (r.asked.never > 0) problems.push(`${r.asked.never} never asked`);
  if (r.completed !== questions) problems.push(`${questions - r.completed} not COMPLETED`);
  return problems.length === 0 && r.asked.ok ? 'yes' : `NO (${problems.join(', ')})`;
}

function printTable(rows: Row[], o: Options): void {
  const n = o.questions;
  const ref = (r: Row, v: Variant | undefined) =>
    v && rows.find((x) => x.scenario.id === r.scenario.id && x.variant === v);
  const header = ['scenario', 'variant', 'in flight', 'questions/s', 'ratio to C', 'ratio to C1 (A) / D (B)'];
  header.push('added p50 ms', 'added p95 ms', 'API req/question', '429s', 'CPU ms/question', 'history events/question');
  header.push('worker peak MB', 'client peak MB', '% of ceiling (ceiling q/s)', 'COMPLETED', 'asked once');
  header.push('background CPU (cores)');
  const body = rows.map((r) => {
    const c = ref(r, 'C');
    const own = ref(r, OWN_REFERENCE[r.variant]);
    const cap = ceiling(r, o);
    return [
      r.scenario.label,
      VARIANT_NAMES[r.variant],
      `${r.scenario.concurrency} (peak ${r.peakInFlight ?? '?'})`,
      qpsCell(r),
      c ? f(r.qps / c.qps, 2) : 'n/a',
      own ? `${f(r.qps / own.qps, 2)} (${own.variant})` : '–',
      f(r.addedP50, 0),
      f(r.addedP95, 0),
      f(r.requests / n, 2),
      String(r.rateLimited),
      f(r.cpuMsPerQuestion, 1),
      f(r.eventsPerQuestion, 1),
      f(r.workerPeakMb, 0),
      f(r.clientPeakMb, 0),
      cap ? `${f(cap.percent, 1)} % (${f(cap.qps, 2)})` : '–',
      `${r.completed}/${n}${r.rowsOk ? '' : ' (rows!)'}`,
      askedCell(r),
      `${f(r.backgroundCores, 2)}${r.attempt > 1 ? ` (run ${r.attempt})` : ''}`,
    ];
  });
  const limitNote = o.limitRps === o.rps ? `${o.rps}` : `${o.limitRps} (simulator ${o.rps})`;
  console.log(
    `\nNode ${process.version} (every process); ${n} single-turn questions per run; simulator seed ${o.seed}; ` +
      `answers after ${o.answerMs} ms ` +
      `(scenario 3: ${o.answerMs3} ms); scenario 2: simulator bucket ${o.rps} req/s, burst ${o.rps}; ` +
      `A and B with MWBATCH_RPS = submit --rps = ${limitNote}. CPU ms/question: Temporal server + worker + client ` +
      `(plain scripts: the client only)` +
      (o.code ? `; the mwbatch variants ran the build in ${o.code} (--code)` : '') +
      (rows.some((r) => GROUPED[r.variant])
        ? '; AG and BG: ' +
          [...new Set(rows.filter((r) => GROUPED[r.variant]).map((r) => r.scenario))]
            .map((scenario) => `scenario ${scenario.id} ${layoutText(groupLayout(scenario, o))}`)
            .join(', ')
        : '') +
      (rows.some((r) => isPrototype(r.variant))
        ? `; prototypes (bench/prototype/): ${o.perWorkflow} questions per workflow (GA, GB, QGB, WGB), ` +
          'lane (LA, LB) or activity at once (WB)\n'
        : '\n'),
  );
  console.log(table(header, body));
  printTargets(rows, o);
}

/** The scenario-3 condition of issue 14: 1,000 conversations in flight at once. */
const ALL_IN_FLIGHT = 1000;
/** The client-memory condition of issue 14: at least 10,000 rows. */
const CLIENT_ROWS = 10_000;

/** Issue 14's targets, each `met`, `MISSED` or `NOT MEASURED` (its variants or scenario not run, or no baseline). */
function printTargets(rows: Row[], o: Options): void {
  const n = o.questions;
  const get = (s: number, v: Variant) => rows.find((r) => r.scenario.id === s && r.variant === v);
  const lines: string[] = [];
  const target = (text: string, measured: string | undefined, met: boolean | undefined) =>
    lines.push(
      `- ${met === undefined ? 'NOT MEASURED' : met ? 'met' : 'MISSED'}: ${text}${measured ? ` — ${measured}` : ''}`,
    );
  const ratio = (s: number, v: Variant, reference: Variant, min: number, note = '') => {
    const r = get(s, v);
    const ref = get(s, reference);
    const x = r && ref ? r.qps / ref.qps : undefined;
    target(
      `scenario ${s}: ${v} reaches at least ${min} × ${reference}'s questions/s`,
      x === undefined ? undefined : `${f(x, 2)} (${f(r!.qps, 2)} vs ${f(ref!.qps, 2)} q/s)${note}`,
      x === undefined ? undefined : x >= min,
    );
  };

  // 1. Scenario 3: 1,000 in flight.
  const s3 = scenarioOf(3, o);
  const s3Note = s3.concurrency < ALL_IN_FLIGHT ? ` (${s3.concurrency} in flight, not the target's 1,000)` : '';
  for (const v of PRODUCT_VARIANTS) ratio(3, v, 'C', 0.8, s3Note);
  for (const v of PRODUCT_VARIANTS) {
    const r = get(3, v);
    const enough = r?.peakInFlight !== undefined && r.peakInFlight >= ALL_IN_FLIGHT;
    const measured = r ? `${f(r.workerPeakMb, 0)} MB with ${r.peakInFlight} conversations open at once` : undefined;
    target(
      `scenario 3: ${v}'s worker peak RSS under 400 MB with 1,000 conversations in flight`,
      measured && !enough ? `${measured} (fewer than 1,000: not the target's condition)` : measured,
      r && enough ? r.workerPeakMb! < 400 : undefined,
    );
  }
  for (const v of PRODUCT_VARIANTS) {
    const r = get(3, v);
    target(
      `scenario 3: ${v} asks every question exactly once and every row is COMPLETED`,
      r
        ? `${askedCell(r)}: ${r.asked.accepted} create-response POSTs accepted, ${r.completed}/${n} COMPLETED`
        : undefined,
      r ? askedCell(r) === 'yes' : undefined,
    );
  }

  // 2. Scenario 1: 50 in flight, against the plain script of the same way of asking.
  for (const [poll, stream] of [
    ['A', 'B'],
    ['AG', 'BG'],
  ] as const) {
    ratio(1, stream, 'D', 0.95);
    ratio(1, poll, 'C', 0.9);
    ratio(1, poll, 'C1', 0.8);
  }
  for (const v of ['A', 'AG'] as const) {
    const a = get(1, v);
    const c1 = get(1, 'C1');
    // The batch's pre-flight API check (GET /conversations, once per batch) is not a question's request.
    const perQuestion = (r: Row) => (r.requests - r.perBatchRequests) / n;
    const batchNote =
      a && a.perBatchRequests > 0 ? `, not counting ${a.perBatchRequests} pre-flight GET /conversations` : '';
    target(
      `scenario 1: ${v}'s API requests/question at most C1's`,
      a && c1 ? `${v} ${f(perQuestion(a), 3)}${batchNote}; C1 ${f(perQuestion(c1), 3)}` : undefined,
      a && c1 ? perQuestion(a) <= perQuestion(c1) : undefined,
    );
  }

  // 3. CPU per question, halved against a stated baseline.
  for (const v of PRODUCT_VARIANTS) {
    const r = get(1, v);
    const baseline = o.baselineCpu[v === 'AG' ? 'A' : v === 'BG' ? 'B' : v];
    const measured = r && `${f(r.cpuMsPerQuestion, 1)} ms/question`;
    target(
      `scenario 1: ${v}'s CPU per question (Temporal server + worker + client) at most half the baseline` +
        (baseline ? ` of ${baseline} ms` : ''),
      measured &&
        (baseline
          ? `${measured} (at most ${f(baseline / 2, 1)} needed)`
          : `${measured}; no --baseline-cpu ${v}=MS given`),
      r && baseline ? r.cpuMsPerQuestion <= baseline / 2 : undefined,
    );
  }

  // 4. The client's memory (issue: 10,000 and 100,000 rows; bench/bulk.ts --rows 10000,100000 measures both).
  {
    const clients = rows.filter((r) => PRODUCT[r.variant]);
    const peak = Math.max(...clients.map((r) => r.clientPeakMb));
    const enough = n >= CLIENT_ROWS;
    target(
      `mwbatch's client peak RSS under 150 MB with ${n} rows (the issue's condition: 10,000 and 100,000 rows)`,
      clients.length > 0
        ? `${f(peak, 0)} MB${enough ? '' : ' (fewer than 10,000 rows: not the condition; see bench/bulk.ts)'}`
        : undefined,
      clients.length > 0 && enough ? peak < 150 : undefined,
    );
  }

  // 5. Scenario 2: the rate limit.
  for (const v of PRODUCT_VARIANTS) {
    const r = get(2, v);
    const cap = r && ceiling(r, o);
    target(
      `scenario 2: ${v} reaches at least 97 % of the rate-limit ceiling`,
      cap
        ? `${f(cap.percent, 1)} % of ${f(cap.qps, 2)} q/s (${f(acceptedPerQuestion(r!, n), 2)} accepted req/question)`
        : undefined,
      cap ? cap.percent >= 97 : undefined,
    );
    const share = r ? (100 * r.rateLimited) / Math.max(1, r.requests) : undefined;
    target(
      `scenario 2: ${v} has fewer than 1 % of requests answered 429`,
      r ? `${f(share, 2)} % (${r.rateLimited} of ${r.requests})` : undefined,
      r ? share! < 1 : undefined,
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
    const shared: Bundles = {
      product: join(work, 'workflow-bundle.js'),
      prototype: join(work, 'prototype-workflow-bundle.js'),
    };
    const bundle = async (workflowsPath: string, path: string) => {
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
      await writeFile(path, code);
    };
    if (o.variants.some((v) => PRODUCT[v])) await bundle(WORKFLOWS, shared.product);
    if (o.variants.some(isPrototype)) await bundle(PROTOTYPE_WORKFLOWS, shared.prototype);
    for (const id of o.scenarios) {
      const scenario = scenarioOf(id, o);
      // The plain scripts first: the references of the ratio columns.
      for (const variant of RUN_ORDER.filter((v) => o.variants.includes(v))) {
        rows.push(await repeated(scenario, variant, o, shared));
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
