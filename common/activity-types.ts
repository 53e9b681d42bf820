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
  /**
   * Set when a group's `openConversations` handed this conversation back: what it had done, taken as an earlier
   * attempt's heartbeat, so this activity looks before it posts again and never asks twice.
   */
  handedBack?: OpeningCheckpoint;
}

/**
 * How far asking one conversation got, as an opening activity heartbeats it: the ids once known, the POSTs made.
 * In a hand-back (`OpenConversationInput.handedBack`) also when the activity that may have made them was scheduled.
 */
export interface OpeningCheckpoint {
  conversationId?: string;
  responseId?: string;
  conversationPosts?: number;
  responsePosts?: number;
  /** When the first POST was made (ms since the epoch, the worker's clock): the turn's deadline counts from here. */
  startedAtMs?: number;
  /**
   * When the handing activity was first scheduled: the look-ups for what it may have created search from there
   * (activities/reconcile.ts), not from when the activity asking again was scheduled.
   */
  sinceMs?: number;
}

/**
 * A group's single-turn conversations, asked by one activity at most `atOnce` at a time: the next as soon as one is
 * answered, so no conversation costs a workflow task or an activity of its own (bench/COMPARE.md, session 17).
 */
export interface OpenConversationsInput {
  /** Each with its `markerKey` (the conversation's key in the group). */
  conversations: (Omit<OpenConversationInput, 'handedBack'> & { markerKey: string })[];
  atOnce: number;
  /** The answers in the result stay under this many bytes of JSON; a conversation past it is handed back. */
  resultBudgetBytes: number;
  /** How long one conversation may take from its first POST (openConversation's own timeout). */
  perConversationMs: number;
}

/**
 * Per conversation, in input order: what `openConversation` would have returned, or the conversation handed back
 * with its checkpoint, for the workflow to ask through `openConversation` (a failure, a deadline passed, an answer
 * over the budget, a cancellation, or a retry of this activity: exactly-once is decided there, in one place).
 */
export interface OpenConversationsOutput {
  conversations: (OpenedTogether | { handedBack: OpeningCheckpoint })[];
}

/**
 * A conversation `openConversations` opened, and when (ms since the epoch, the worker's clock): its first POST, and
 * the moment what `opened` holds was in hand (the answer, unless it must still be polled for), for its latency.
 */
export interface OpenedTogether {
  opened: OpenConversationOutput;
  startedAtMs: number;
  answeredAtMs: number;
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
