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

export const QUESTION_GROUP_WORKFLOW_TYPE = 'questionGroupWorkflow';

/**
 * The n-th group of single-turn questions of a batch (`submit --per-workflow N`, batch/groups.ts). `~` is not in a
 * batch ID's alphabet, and every conversation workflow ID has a `/` after the batch ID: no row ID can take it.
 */
export function questionGroupWorkflowId(batchId: string, groupIndex: number): string {
  return `${batchId}~group-${groupIndex}`;
}

/** The record of how many questions each workflow of a batch asks, fixed by its first submission. */
export function batchSettingsWorkflowId(batchId: string): string {
  return `${batchId}~settings`;
}

export const BATCH_SETTINGS_WORKFLOW_TYPE = 'batchSettingsWorkflow';

/** Memo set on a conversation that was cancelled and returned the answers it had: Temporal shows it Completed. */
export const CANCELLED_MEMO = 'cancelled';

/**
 * The query a conversation workflow and a question group answer with their progress (ConversationProgress, or one per
 * conversation). By name here, so that a client asks it without loading the workflow package (@temporalio/workflow).
 */
export const PROGRESS_QUERY = 'progress';

/** The query an evaluation run answers with its progress (EvaluationProgress); by name, as PROGRESS_QUERY. */
export const EVALUATION_PROGRESS_QUERY = 'evaluationProgress';

/** The memo holding an evaluation run's summary once it ends, so that listing runs needs no files. */
export const RUN_SUMMARY_MEMO = 'summary';
/** The memo holding the suite's hash from the start: `eval --run ID` refuses to resume with another suite. */
export const SUITE_HASH_MEMO = 'suiteSha256';

/**
 * The batch id every ask of the library, `mwbatch ask` and the gateway carries (workflows `ask/<key>`; `mwbatch
 * status ask` counts them). No batch of `submit` may take it.
 */
export const ASK_BATCH_ID = 'ask';

// --- Evaluation runs (evaluation/) ---

export const EVALUATION_RUN_WORKFLOW_TYPE = 'evaluationRunWorkflow';

/** The batch id of an evaluation run's conversations: `mwbatch status` and the BatchId search attribute find them. */
export function evaluationBatchId(suite: string, runId: string): string {
  return `eval-${suite}-${runId}`;
}

/** One run of a suite owns one workflow; `eval --run ID` finds it again by this ID. */
export function evaluationRunWorkflowId(suite: string, runId: string): string {
  return evaluationBatchId(suite, runId);
}

/** The conversation key of one repeat: each repeat asks in a conversation of its own. */
export function repeatKey(conversationKey: string, repeat: number): string {
  return `${conversationKey}~${repeat}`;
}

/** The workflow that asks one conversation of one repeat and checks its answers. */
export function evaluationCaseWorkflowId(
  suite: string,
  runId: string,
  conversationKey: string,
  repeat: number,
): string {
  return `${conversationWorkflowId(evaluationBatchId(suite, runId), repeatKey(conversationKey, repeat))}/check`;
}
