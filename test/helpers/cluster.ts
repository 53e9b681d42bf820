/**
 * For the cluster suite (test/cluster/): a fault-suite stack (simulator, CSV, task queue, `mwbatch` processes) on the
 * PostgreSQL-backed cluster of the run, with its worker processes started.
 */
import { inject } from 'vitest';
import {
  startFaultStack,
  type FaultStack,
  type FaultStackOptions,
  type WorkerSpec,
} from '../fault/helpers/fault-stack';
import type { WorkerProcess } from '../fault/helpers/processes';

export interface ClusterStack {
  stack: FaultStack;
  workers: WorkerProcess[];
  /** The environment `mwbatch submit` needs for this stack (Temporal address and task queue). */
  cliEnv: Record<string, string>;
}

/** A stack on the run's cluster (or `temporalAddress`) with `workers` `mwbatch worker` processes polling. */
export async function startClusterStack(
  options: FaultStackOptions & { workers?: number; worker?: WorkerSpec },
): Promise<ClusterStack> {
  const stack = await startFaultStack({ temporalAddress: inject('clusterAddress'), ...options });
  const workers = Array.from({ length: options.workers ?? 2 }, () => stack.worker(options.worker));
  await Promise.all(workers.map((w) => w.start()));
  return { stack, workers, cliEnv: { TEMPORAL_ADDRESS: stack.address, TEMPORAL_TASK_QUEUE: stack.taskQueue } };
}
