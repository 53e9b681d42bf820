/**
 * The V8 heap settings of mwbatch's processes, applied at run time so that no command needs NODE_OPTIONS: the
 * worker's (below), the settings a worker process can only get at start-up (`restartWorkerWithStartSettings`), and
 * the young generation of the CLI's client commands (`keepYoungGenerationSmall`).
 *
 * Left to itself, V8 sizes its heaps from the machine's memory (up to a 4 GB limit) and, with such a limit, lets a
 * heap grow up to 4× its live size before the next full collection: a worker holding 1,000 conversations peaked at
 * 600 MB of RSS, mostly garbage (bench/COMPARE.md, scenario 3). `--max-old-space-size` cannot be changed once the
 * main isolate exists, but V8 reads two other flags later:
 *  - `--heap-growing-percent` at every full collection, in every isolate of the process (the main thread, where
 *    activities, HTTP and the SDK's bridge run, and the workflow thread): the heap may then grow that much past its
 *    live size before the next full collection. 30 is what V8 itself allows at most on a small (256 MB) heap.
 *  - `--max-old-space-size` and `--max-semi-space-size` when an isolate is created: the workflow thread(s) the SDK
 *    starts in Worker.create get them, the main thread keeps its own. The first is a ceiling on that thread's heap,
 *    not a memory saving by itself; the second keeps its young generation small (WORKFLOW_SEMI_SPACE_MB).
 */
import { setFlagsFromString } from 'node:v8';

export interface HeapSettings {
  /** Heap growth allowed past the live size before a full collection, in %; 0 leaves V8's own (up to 300 %). */
  heapGrowingPercent: number;
  /** Old-space limit of the workflow thread(s), MB; 0 leaves it and their young generation to V8 (machine memory). */
  workflowHeapMb: number;
}

/** V8's semi-space limit before V8 13 (Node 24) scaled it with the heap. */
const MAX_SEMI_SPACE_MB = 16;

/**
 * The workflow thread's semi-space limit: V8's starting size, so its young generation never grows. What that thread
 * allocates is garbage by the end of each activation, so a small young generation costs no CPU that the bench can
 * see. With 1,000 conversations in flight the worker went from 374–378/409–413 to 348–349/383–386 MB
 * (poll/stream) on Node 20, and from 360/403 to 321/360 MB on Node 24 (bench/COMPARE.md, "Session 12").
 */
const WORKFLOW_SEMI_SPACE_MB = 1;

export const DEFAULT_HEAP_SETTINGS: HeapSettings = { heapGrowingPercent: 30, workflowHeapMb: 256 };

/**
 * Sets the V8 flags for the rest of the process's life. Call it before Worker.create: the workflow-thread limit
 * only reaches isolates created afterwards. It changes process-wide flags, so only the worker process calls it.
 */
export function applyHeapSettings(settings: HeapSettings): void {
  if (settings.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${settings.heapGrowingPercent}`);
  if (settings.workflowHeapMb > 0) {
    setFlagsFromString(`--max-old-space-size=${settings.workflowHeapMb}`);
    setFlagsFromString(`--max-semi-space-size=${WORKFLOW_SEMI_SPACE_MB}`);
  }
}

/**
 * What a worker process can only be given when it starts, so `bin/mwbatch.js` restarts `mwbatch worker` and
 * `mwbatch dev` once with them, in the same process (`process.execve`, Node 22.15 and later), unless they are
 * already set:
 *  - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (the SDK's Rust runtime runs several) its own
 *    malloc arena, up to 8 per core, each holding freed memory. Read by glibc at start-up only.
 *  - `--max-semi-space-size=16` for the main thread, where activities and HTTP run: Node 24's V8 sizes the young
 *    generation from the heap limit (64 MB semi-spaces on an 8 GB machine, against 16 MB on Node 20 and 22). Read
 *    by V8 when the main isolate is created only.
 * Together they took a worker with 1,000 conversations in flight on Node 24 from 483/509 MB (poll/stream) to
 * 364/397 MB, for ~2 s more worker CPU per 1,000 questions (bench/COMPARE.md, "Session 11"). On Node 20, which
 * has no `process.execve`, set MALLOC_ARENA_MAX yourself (README, "Worker memory"); its young generation is already
 * 16 MB.
 */
const WORKER_START_ENV = { MALLOC_ARENA_MAX: '2' } as const;
const WORKER_START_FLAGS = [`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`] as const;

/** The commands whose process runs Temporal workers. */
const WORKER_COMMANDS = new Set(['worker', 'dev']);
/** The CLI's global options that take a value (cli/commands/common.ts): their value is not the command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--address', '--namespace']);

/** The command of `mwbatch [global options] <command> …`, from process.argv.slice(2). */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The environment and node flags to restart this process with so that it has WORKER_START_ENV and
 * WORKER_START_FLAGS, or undefined when it is not a worker command or already has them (a value the user set, in
 * the environment, NODE_OPTIONS or node's own flags, is kept).
 */
export function workerRestart(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
): { env: NodeJS.ProcessEnv; flags: string[] } | undefined {
  if (!WORKER_COMMANDS.has(commandOf(args) ?? '')) return undefined;
  const given = [...execArgv, env.NODE_OPTIONS ?? ''].join(' ').replaceAll('_', '-');
  const flags = given.includes('--max-semi-space-size') ? [] : [...WORKER_START_FLAGS];
  const missingEnv = Object.entries(WORKER_START_ENV).filter(([name]) => env[name] === undefined);
  if (flags.length === 0 && missingEnv.length === 0) return undefined;
  return { env: { ...env, ...Object.fromEntries(missingEnv) }, flags };
}

/**
 * Restarts a worker command in place with workerRestart's settings; returns when there is nothing to do or this
 * Node cannot (no `process.execve`: Node 20, 22 before 22.15). `bin/mwbatch.js` calls it before loading anything.
 */
export function restartWorkerWithStartSettings(argv: readonly string[] = process.argv): void {
  const node = process as typeof process & { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };
  if (typeof node.execve !== 'function') return;
  const restart = workerRestart(argv.slice(2), process.env, process.execArgv);
  if (!restart) return;
  try {
    node.execve(
      process.execPath,
      [process.execPath, ...restart.flags, ...process.execArgv, ...argv.slice(1)],
      restart.env,
    );
  } catch {
    // Refused (Node's permission model, a platform without execve): run on with V8's and glibc's defaults.
  }
}

/** V8's own `--semi-space-growth-factor`: the young generation doubles when it grows. */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Keeps the young generation at the size V8 starts it with (1 MB semi-spaces) until `letYoungGenerationGrow`.
 * V8 doubles it every time as many bytes have survived scavenges as it holds, so a busy process soon reaches the
 * maximum: 16 MB semi-spaces on Node 20 and 22 (48 MB reserved), 64 MB on Node 24; loading the CLI's modules alone
 * gets there. For the client of a batch (`submit`) that was most of its peak memory (bench/COMPARE.md).
 * `--max-semi-space-size` is only read when the process starts; `--semi-space-growth-factor` whenever V8 would grow
 * the young generation, so 1 means "never grow". The price is more frequent scavenges: about 1 ms of the client's
 * CPU per question. `bin/mwbatch.js` calls this before it loads anything else.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Back to V8's sizing: for a process that runs Temporal workers (createWorkerPair), whose throughput it serves. */
export function letYoungGenerationGrow(): void {
  setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
}
