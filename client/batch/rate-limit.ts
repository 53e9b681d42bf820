/**
 * `submit --rps R`: set the global API budget on the server, as the API task queue's rate limit. Temporal's
 * matching service enforces it across every worker polling that queue, and it overrides what workers ask for.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { apiTaskQueue } from '../../common/names';

export async function setApiRateLimit(client: Client, taskQueue: string, requestsPerSecond: number): Promise<void> {
  await client.workflowService.updateTaskQueueConfig({
    namespace: client.options.namespace,
    identity: client.options.identity,
    taskQueue: apiTaskQueue(taskQueue),
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond }, reason: 'mwbatch submit --rps' },
  });
}
