/**
 * Names shared by the worker, the client and the workflows. Pure TypeScript: imported from workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queue of the conversation workflows (TEMPORAL_TASK_QUEUE overrides it). */
export const DEFAULT_TASK_QUEUE = 'mwbatch';

/**
 * The HTTP activities run on their own queue so that `maxTaskQueueActivitiesPerSecond` caps the calls every worker
 * makes to the Moveworks API together: one budget (MWBATCH_RPS) however many workers run.
 */
export function apiTaskQueue(taskQueue: string): string {
  return `${taskQueue}-api`;
}

/** Every workflow of a batch carries this Keyword search attribute. */
export const BATCH_ID = defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD);

/** Workflow IDs are derived, never random, so that re-submitting a batch attaches instead of asking twice. */
export function conversationWorkflowId(batchId: string, conversationKey: string): string {
  return `${batchId}/${conversationKey}`;
}

export const CONVERSATION_WORKFLOW_TYPE = 'conversationWorkflow';

/** Memo set on a conversation that was cancelled and returned the answers it had: Temporal shows it Completed. */
export const CANCELLED_MEMO = 'cancelled';
