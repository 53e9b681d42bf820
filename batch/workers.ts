/**
 * What the CLI can learn about the workers without holding their credentials: who polls the two task queues, and
 * the Moveworks API check (activities/api-check.ts) run through one of them (`submit` before fanning out, `doctor`).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { ApiCheckResult } from '../activities/api-check';
import { apiTaskQueue } from '../common/names';
import type { apiCheckWorkflow } from '../workflows';

/** A poller seen longer ago than this is a stopped worker (the server lists pollers for minutes after they left). */
const LIVE_POLLER_MS = 2 * 60_000;

/** How long the CLI waits for a worker to run the API check before going on without its answer. */
export const API_CHECK_WAIT_MS = 30_000;

export interface TaskQueuePollers {
  /** `<queue>`: workers that run the conversation workflows. */
  workflow: number;
  /** `<queue>-api`: workers that make the HTTP calls. */
  api: number;
}

async function livePollers(
  client: Client,
  taskQueue: string,
  type: temporal.api.enums.v1.TaskQueueType,
): Promise<number> {
  const described = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  const now = Date.now();
  return (described.pollers ?? []).filter((p) => !p.lastAccessTime || now - tsToMs(p.lastAccessTime) < LIVE_POLLER_MS)
    .length;
}

export async function taskQueuePollers(client: Client, taskQueue: string): Promise<TaskQueuePollers> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const [workflow, api] = await Promise.all([
    livePollers(client, taskQueue, TASK_QUEUE_TYPE_WORKFLOW),
    livePollers(client, apiTaskQueue(taskQueue), TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return { workflow, api };
}

/** The task queues nobody polls, by name, e.g. ["mwbatch-api"]. */
export function unpolledQueues(taskQueue: string, pollers: TaskQueuePollers): string[] {
  return [...(pollers.workflow ? [] : [taskQueue]), ...(pollers.api ? [] : [apiTaskQueue(taskQueue)])];
}

/** The API check's answer, or undefined when no worker ran it within API_CHECK_WAIT_MS (or it failed). */
export async function runApiCheck(
  client: Client,
  taskQueue: string,
  idPrefix: string,
): Promise<ApiCheckResult | undefined> {
  const handle = await client.workflow.start<typeof apiCheckWorkflow>('apiCheckWorkflow', {
    taskQueue,
    workflowId: `${idPrefix}/api-check-${randomUUID().slice(0, 8)}`,
    // A check nobody picked up ends by itself instead of waiting for a worker forever.
    workflowExecutionTimeout: '2m',
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), API_CHECK_WAIT_MS);
  });
  try {
    return await Promise.race([handle.result().catch(() => undefined), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
