/**
 * The V8 heap settings of mwbatch's processes, applied at run time so that no command needs NODE_OPTIONS: the
 * worker's (below), and the young generation of the CLI's client commands (`keepYoungGenerationSmall`).
 *
 * Left to itself, V8 sizes its heaps from the machine's memory (up to a 4 GB limit) and, with such a limit, lets a
 * heap grow up to 4× its live size before the next full collection: a worker holding 1,000 conversations peaked at
 * 600 MB of RSS, mostly garbage (bench/COMPARE.md, scenario 3). `--max-old-space-size` cannot be changed once the
 * main isolate exists, but V8 reads two other flags later:
 *  - `--heap-growing-percent` at every full collection, in every isolate of the process (the main thread, where
 *    activities, HTTP and the SDK's bridge run, and the workflow thread): the heap may then grow that much past its
 *    live size before the next full collection. 30 is what V8 itself allows at most on a small (256 MB) heap.
 *  - `--max-old-space-size` when an isolate is created: the workflow thread(s) the SDK starts in Worker.create get
 *    it, the main thread keeps its own limit. A ceiling on that thread's heap, not a memory saving by itself.
 */
import { setFlagsFromString } from 'node:v8';

export interface HeapSettings {
  /** Heap growth allowed past the live size before a full collection, in %; 0 leaves V8's own (up to 300 %). */
  heapGrowingPercent: number;
  /** Old-space limit of the workflow thread(s), MB; 0 leaves V8's default (from the machine's memory). */
  workflowHeapMb: number;
}

/** V8's semi-space limit before V8 13 (Node 24) scaled it with the heap. */
const MAX_SEMI_SPACE_MB = 16;

export const DEFAULT_HEAP_SETTINGS: HeapSettings = { heapGrowingPercent: 30, workflowHeapMb: 256 };

/**
 * Sets the V8 flags for the rest of the process's life. Call it before Worker.create: the workflow-thread limit
 * only reaches isolates created afterwards. It changes process-wide flags, so only the worker process calls it.
 */
export function applyHeapSettings(settings: HeapSettings): void {
  if (settings.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${settings.heapGrowingPercent}`);
  if (settings.workflowHeapMb > 0) {
    setFlagsFromString(`--max-old-space-size=${settings.workflowHeapMb}`);
    // The young generation on top, as Node 20 and 22 size it (16 MB semi-spaces): Node 24's V8 would give the same
    // old space 64 MB semi-spaces, raising the thread's ceiling by 144 MB.
    setFlagsFromString(`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`);
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
