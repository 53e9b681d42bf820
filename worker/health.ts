/**
 * When a worker process is ready: both of its workers (the workflows on the main task queue, the HTTP activities
 * on the API task queue) are polling. Before they start, while they drain on SIGTERM and after they stop, it is
 * not, so a load balancer or orchestrator stops counting on it.
 */
import type { Worker } from '@temporalio/worker';
import type { Readiness } from '../observability/server';

/** Unset while the workers are being created. */
export function workerReadiness(workers: { workflowWorker: Worker; activityWorker: Worker } | undefined): Readiness {
  if (!workers) return { ready: false, detail: { workflows: 'STARTING', activities: 'STARTING' } };
  const workflows = workers.workflowWorker.getState();
  const activities = workers.activityWorker.getState();
  return { ready: workflows === 'RUNNING' && activities === 'RUNNING', detail: { workflows, activities } };
}
