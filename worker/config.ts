/** The worker's own settings, on top of the Temporal and Moveworks ones. */
import { z } from 'zod';
import { parseEnv, positiveInt } from '../config/env';
import { ConfigError } from '../common/errors';
import { loadMoveworksSettings, type MoveworksSettings } from '../config/moveworks';
import { loadTemporalSettings, type TemporalOverrides, type TemporalSettings } from '../config/temporal';
import { DEFAULT_HEAP_SETTINGS, type HeapSettings } from './heap';

/**
 * Workflow runs kept in the worker's cache. The SDK's own default grows with the heap limit (~2,300 runs on a 4 GB
 * heap): with 1,000 conversations in flight that cache alone kept the worker above 400 MB. 250 runs cost replays
 * when more conversations than that are open at once (a run evicted from the cache is replayed from its history at
 * its next workflow task).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

/**
 * HTTP activities one worker runs at once. A stream, and a turn polled inside its activity, hold a slot for the
 * whole answer while they mostly wait on the network, so the slots are sized for the conversations in flight, not
 * for the CPU: with 200, 1,000 streams queued for minutes behind each other (bench/COMPARE.md).
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 2000;

/** A whole number in [min, max], or 0 for "leave V8's own". */
const zeroOrInt = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: `must be a number (${what})` })
    .int('must be a whole number')
    .refine((n) => n === 0 || (n >= min && n <= max), `must be 0 (V8's default) or between ${min} and ${max}`);

const workerEnvSchema = z.object({
  /** Global API budget: activities per second on the API task queue, shared by every worker polling it. */
  MWBATCH_RPS: z.coerce.number({ error: 'must be a number of requests per second' }).positive('must be > 0').optional(),
  MWBATCH_MAX_CONCURRENT_ACTIVITIES: positiveInt('HTTP calls in flight per worker').default(
    DEFAULT_MAX_CONCURRENT_ACTIVITIES,
  ),
  MWBATCH_MAX_CACHED_WORKFLOWS: positiveInt('workflows kept in the worker cache').default(DEFAULT_MAX_CACHED_WORKFLOWS),
  /** worker/heap.ts: heap growth past the live size before a full collection, every thread of the worker. */
  MWBATCH_HEAP_GROWING_PERCENT: zeroOrInt('percent', 1, 300).default(DEFAULT_HEAP_SETTINGS.heapGrowingPercent),
  /** worker/heap.ts: old-space limit of the workflow thread, MB. */
  MWBATCH_WORKFLOW_HEAP_MB: zeroOrInt('megabytes', 64, 16_384).default(DEFAULT_HEAP_SETTINGS.workflowHeapMb),
  /** Where scheduled evaluation runs write their files: `<dir>/<suite>/<run id>/`. */
  MWBATCH_RUNS_DIR: z.string().min(1, 'must name a folder').default('runs'),
  /** The body a scheduled run's webhook gets (the URL itself, MWBATCH_NOTIFY_URL, is read when a run notifies). */
  MWBATCH_NOTIFY_FORMAT: z.enum(['slack', 'json'], { error: 'must be slack or json' }).default('slack'),
});

export interface WorkerSettings {
  temporal: TemporalSettings;
  moveworks: MoveworksSettings;
  rps?: number;
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  heap: HeapSettings;
  runsDir: string;
}

/** Run every loader, so that one start-up reports every bad variable, not only the first group's. */
function loadAll<T extends unknown[]>(...loaders: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const values = loaders.map((load) => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return values as T;
}

/** `temporalOverrides`: `mwbatch worker --address / --namespace`. */
export function loadWorkerSettings(
  env: NodeJS.ProcessEnv = process.env,
  temporalOverrides: TemporalOverrides = {},
): WorkerSettings {
  const [own, temporal, moveworks] = loadAll(
    () => parseEnv(workerEnvSchema, env, 'worker'),
    () => loadTemporalSettings(env, temporalOverrides),
    () => loadMoveworksSettings(env),
  );
  return {
    temporal,
    moveworks,
    rps: own.MWBATCH_RPS,
    maxConcurrentActivities: own.MWBATCH_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: own.MWBATCH_MAX_CACHED_WORKFLOWS,
    runsDir: own.MWBATCH_RUNS_DIR,
    heap: {
      heapGrowingPercent: own.MWBATCH_HEAP_GROWING_PERCENT,
      workflowHeapMb: own.MWBATCH_WORKFLOW_HEAP_MB,
    },
  };
}
