/** The worker's own settings, on top of the Temporal and Moveworks ones. */
import { z } from 'zod';
import { parseEnv, positiveInt } from '../config/env';
import { ConfigError } from '../config/errors';
import { loadMoveworksSettings, type MoveworksSettings } from '../config/moveworks';
import { loadTemporalSettings, type TemporalSettings } from '../config/temporal';

const workerEnvSchema = z.object({
  /** Global API budget: activities per second on the API task queue, shared by every worker polling it. */
  MWBATCH_RPS: z.coerce.number({ error: 'must be a number of requests per second' }).positive('must be > 0').optional(),
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

export function loadWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const [own, temporal, moveworks] = loadAll(
    () => parseEnv(workerEnvSchema, env, 'worker'),
    () => loadTemporalSettings(env),
    () => loadMoveworksSettings(env),
  );
  return {
    temporal,
    moveworks,
    rps: own.MWBATCH_RPS,
    maxConcurrentActivities: own.MWBATCH_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: own.MWBATCH_MAX_CACHED_WORKFLOWS,
  };
}
