/**
 * `submit --rps R`: set the global API budget on the server, as the API task queue's rate limit. Temporal's
 * matching service enforces it across every worker polling that queue, and it overrides what workers ask for.
 * `--rps none` and `mwbatch rate-limit clear` remove it (the workers' own MWBATCH_RPS, if any, applies again).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { apiTaskQueue } from '../common/names';
import { DEFAULT_INLINE_POLL_MS, DEFAULT_POLL_SCHEDULE, type PollSchedule } from '../common/types';

/** Sets the API task queue's rate limit, or removes it (`undefined`: an update without a rate limit). */
async function updateApiRateLimit(client: Client, taskQueue: string, requestsPerSecond: number | undefined) {
  await client.workflowService.updateTaskQueueConfig({
    namespace: client.options.namespace,
    identity: client.options.identity,
    taskQueue: apiTaskQueue(taskQueue),
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit:
      requestsPerSecond === undefined
        ? { reason: 'mwbatch rate-limit clear' }
        : { rateLimit: { requestsPerSecond }, reason: 'mwbatch --rps' },
  });
}

export function setApiRateLimit(client: Client, taskQueue: string, requestsPerSecond: number): Promise<void> {
  return updateApiRateLimit(client, taskQueue, requestsPerSecond);
}

export function clearApiRateLimit(client: Client, taskQueue: string): Promise<void> {
  return updateApiRateLimit(client, taskQueue, undefined);
}

/** `--rps R` sets the limit, `--rps none` removes it, no `--rps` leaves it as it is. */
export async function applyRpsOption(client: Client, taskQueue: string, rps: number | 'none' | undefined) {
  if (rps === 'none') await clearApiRateLimit(client, taskQueue);
  else if (rps !== undefined) await setApiRateLimit(client, taskQueue, rps);
}

/** The rate limit set on the API task queue through the API (by an earlier `--rps`), if any and if known. */
export async function currentApiRateLimit(client: Client, taskQueue: string): Promise<number | undefined> {
  try {
    const described = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: apiTaskQueue(taskQueue) },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportConfig: true,
    });
    return described.config?.queueRateLimit?.rateLimit?.requestsPerSecond ?? undefined;
  } catch {
    return undefined; // a server without task queue configs (before 1.28) has no such limit
  }
}

/**
 * The poll schedule a batch asks for: the default, with `inlineMs` when given. A rate limit on the API task queue
 * (`rps` given now, or left by an earlier `--rps`) counts activities, so under one every HTTP request must be its
 * own activity: no polls inside the submitting activity (activities/inline-poll.ts).
 */
export async function batchPollSchedule(
  client: Client,
  taskQueue: string,
  { rps, inlineMs }: { rps?: number; inlineMs?: number } = {},
): Promise<PollSchedule> {
  return pollScheduleFor(rps ?? (await currentApiRateLimit(client, taskQueue)), inlineMs);
}

export function pollScheduleFor(rateLimit: number | undefined, inlineMs = DEFAULT_INLINE_POLL_MS): PollSchedule {
  return { ...DEFAULT_POLL_SCHEDULE, inlineMs: rateLimit ? 0 : inlineMs };
}
