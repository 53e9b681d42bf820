/**
 * The package entry (`require('mwbatch')` / `import … from 'mwbatch'`): the typed client that asks without ever
 * asking twice, its errors, and for Temporal users the conversation workflow's contract (its types, names and task
 * queues) and the activities factory, to register them in another worker or call the workflow as a child.
 * Workflow code (which Temporal bundles into its sandbox) imports from `mwbatch/workflows` instead.
 */

// --- Asking: the client, its request and result, its errors ---
export { MwbatchClient, AskHandle, type AskResult, type ConnectOptions } from './client';
export {
  askBodySchema,
  askWorkflowId,
  ASK_BATCH_ID,
  checkIdempotencyKey,
  IDEMPOTENCY_KEY_RULE,
  MAX_IDEMPOTENCY_KEY_CHARS,
  type AskRequest,
} from './request';
export {
  IdempotencyConflictError,
  InvalidRequestError,
  QuestionNotFoundError,
  UnreachableTemporalError,
  type FieldIssue,
} from './errors';

// --- The workflow contract: input, output, names, task queues, the memo of the request hash ---
import { conversationWorkflow } from '../workflows/conversation';
export { conversationWorkflow };
export { progressQuery } from '../workflows/conversation';
/** The workflow's type, for `client.workflow.start<ConversationWorkflow>('conversationWorkflow', …)`. */
export type ConversationWorkflow = typeof conversationWorkflow;
export type {
  AnswerCitation,
  ContinuedConversation,
  ConversationInput,
  ConversationProgress,
  ConversationResult,
  PollSchedule,
  TurnInput,
  TurnMode,
  TurnResult,
  TurnSettings,
  TurnStatus,
} from '../common/types';
export {
  DEFAULT_INLINE_POLL_MS,
  DEFAULT_POLL_SCHEDULE,
  DEFAULT_TURN_DEADLINE_MS,
  resolveTurnSettings,
  STARTER_FLAGS,
} from '../common/types';
export {
  apiTaskQueue,
  BATCH_ID,
  CANCELLED_MEMO,
  CONVERSATION_WORKFLOW_TYPE,
  conversationWorkflowId,
  DEFAULT_TASK_QUEUE,
} from '../common/names';
export { conversationInputHash, INPUT_HASH_MEMO } from '../batch/start';

// --- Running the workflow in your own worker: the activities, their client, the workflows' source ---
export { createActivities, type Activities, type ActivityDeps } from '../activities';
export type {
  CreateConversationInput,
  CreateConversationOutput,
  FetchResponseInput,
  FetchResponseOutput,
  SubmitTurnInput,
  SubmitTurnOutput,
} from '../common/activity-types';
export {
  ClientCredentialsAuth,
  MoveworksClient,
  StaticTokenAuth,
  type AuthProvider,
  type MoveworksClientOptions,
} from '../moveworks';
export { createMoveworksClient, loadMoveworksSettings, type MoveworksSettings } from '../config/moveworks';
export { workflowsPath } from '../worker/workers';
