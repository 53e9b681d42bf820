/** The worker's own settings, on top of the Temporal and Moveworks ones. */
import { z } from 'zod';
import { parseEnv, positiveInt } from '../config/env';
import { loadMoveworksSettings, type MoveworksSettings } from '../config/moveworks';
import { loadTemporalSettings, type TemporalSettings } from '../config/temporal';

const workerEnvSchema = z.object({
  /** Global API budget: activities per second on the API task queue, shared by every worker polling it. */
  MWBATCH_RPS: z.coerce
    .number({ error: 'must be a number of requests per second' })
    .positive('must be > 0')
    .optional(),
  MWBATCH_MAX_CONCURRENT_ACTIVITIES: positiveInt('HTTP calls in flight per worker').default(200),
  MWBATCH_MAX_CACHED_WORKFLOWS: positiveInt('workflows kept in the worker cache').optional(),
});

export interface WorkerSettings {
  temporal: TemporalSettings;
  moveworks: MoveworksSettings;
  rps?: number;
  maxConcurrentActivities: number;
  maxCachedWorkflows?: number;
}

export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const own = parseEnv(workerEnvSchema, env, 'worker');
  return {
    temporal: loadTemporalSettings(env),
    moveworks: loadMoveworksSettings(env),
    rps: own.MWBATCH_RPS,
    maxConcurrentActivities: own.MWBATCH_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: own.MWBATCH_MAX_CACHED_WORKFLOWS,
  };
}
