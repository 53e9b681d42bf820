/** Inputs and outputs of the HTTP activities (shared by activities/ and workflows/). */
import type { AnswerAction, AnswerCitation, PollSchedule } from './types';

export interface CreateConversationInput {
  title?: string;
  /** Used as the title when none is given (the marker that makes creation exactly-once needs a title). */
  firstQuestion: string;
  /**
   * Set by a workflow that asks several conversations (questionGroupWorkflow): the conversation's key, which the
   * marker in its title is derived from along with the workflow run, so that each conversation has its own.
   */
  markerKey?: string;
}

export interface CreateConversationOutput {
  conversationId: string;
  attempt: number;
  /** Of the attempts, the ones answered 429 (unset: none). */
  http429s?: number;
  /** True when a retry found the conversation an earlier attempt had created. */
  reconciled: boolean;
}

/**
 * Create the conversation and submit its first turn in one activity (one workflow task and one activity fewer per
 * conversation). The submission happens only when the worker may make several requests per activity (no
 * MWBATCH_RPS); otherwise the output has no `submitted`, and the workflow submits the turn with its own activity.
 */
export interface OpenConversationInput extends CreateConversationInput {
  firstTurn: Omit<SubmitTurnInput, 'conversationId' | 'earlierResponseIds' | 'turnIndex' | 'callbackId'> & {
    mode: 'poll' | 'stream';
  };
}

export interface OpenConversationOutput extends CreateConversationOutput {
  /** The first turn's submission (and its answer, when the activity saw it end); unset: not submitted. */
  submitted?: SubmitTurnOutput;
}

export interface SubmitTurnInput {
  conversationId: string;
  question: string;
  /** The row the turn answers: only for the worker's log lines (observability/activity-log-context.ts). */
  rowId?: string;
  /** Set when the turn presses a button: the callback ID sent as `input.callback_id` instead of the question. */
  callbackId?: string;
  /**
   * Response ids of this conversation's earlier turns: a retry that looks for what its earlier attempt created
   * skips their messages (activities/reconcile.ts). Unset only in inputs scheduled by older workflow code.
   */
  earlierResponseIds?: string[];
  /** Older workflow code identified the turn by its position instead; kept so that its retries still reconcile. */
  turnIndex?: number;
  /** Poll mode: poll the new response inside the activity while the schedule's next poll falls within inlineMs. */
  poll?: PollSchedule;
}

/**
 * What submitting a turn produced, in poll and stream mode alike: the response id, and the answer when the
 * activity already saw the response end (an inline poll, or a stream that ran to its end). Otherwise the workflow
 * polls GetResponse for that response on durable timers.
 */
export interface SubmitTurnOutput extends Partial<Omit<FetchResponseOutput, 'attempt'>> {
  responseId: string;
  attempt: number;
  /** True when a retry found the response an earlier attempt had created instead of submitting again. */
  reconciled?: boolean;
  /** Polls made inside the activity: the workflow's schedule continues after them. */
  inlinePolls?: number;
  /** The last inline poll was answered 429: the workflow's first poll waits at least this long. */
  retryAfterMs?: number;
  /** Stream mode: why the stream did not deliver the answer, when it did not. */
  streamProblem?: string;
}

export interface FetchResponseInput {
  conversationId: string;
  responseId: string;
  /** The row the response answers: only for the worker's log lines. */
  rowId?: string;
  /** 429s this poll already got inside the submitting activity: its backoff continues from there. */
  earlier429s?: number;
}

/**
 * What one GetResponse poll saw. `answer` and `citations` are set only once the response is terminal. The raw
 * `outputs` never travel: they would put unbounded data in workflow history.
 */
export interface FetchResponseOutput {
  status: string;
  terminal: boolean;
  answer?: string;
  citations?: AnswerCitation[];
  /** Set once terminal: the response's completed_at − created_at, when the API gave both. */
  answerMs?: number;
  /** Set once terminal, when the answer offered buttons or links (v1 API). */
  actions?: AnswerAction[];
  /** Set once terminal: a FAILED response's `error.code` (or `NO_OUTPUT`: COMPLETED without an answer message). */
  errorCode?: string;
  errorMessage?: string;
  attempt: number;
  /** Of the attempts, the ones answered 429 (unset: none). */
  http429s?: number;
}

/** Details attached to every ApplicationFailure an activity throws, so the workflow can report them per row. */
export interface ApiFailureDetails {
  status?: number;
  code?: string;
  rootUuid?: string;
  /** The activity attempt that failed, so the workflow can count API attempts even on failure. */
  attempt?: number;
  /** Of its attempts, the ones answered 429. */
  http429s?: number;
  /** openConversation: the conversation it created before the failure, so the later turns can still be asked. */
  conversationId?: string;
}
