/** Inputs and outputs of the HTTP activities (shared by activities/ and workflows/). */
import type { AnswerCitation, PollSchedule } from './types';

export interface CreateConversationInput {
  title?: string;
  /** Used as the title when none is given (the marker that makes creation exactly-once needs a title). */
  firstQuestion: string;
}

export interface CreateConversationOutput {
  conversationId: string;
  attempt: number;
  /** True when a retry found the conversation an earlier attempt had created. */
  reconciled: boolean;
}

export interface SubmitTurnInput {
  conversationId: string;
  question: string;
  /** How many turns this conversation had before this one (to recognise it when reconciling). */
  turnIndex: number;
  /** Poll mode: poll the new response inside the activity while the schedule's next poll falls within inlineMs. */
  poll?: PollSchedule;
}

/** The submitted response; with the answer when an inline poll saw it end, otherwise the workflow polls on. */
export interface SubmitTurnOutput extends Partial<Omit<FetchResponseOutput, 'status' | 'attempt'>> {
  responseId: string;
  status: string;
  attempt: number;
  reconciled: boolean;
  /** Polls made inside the activity: the workflow's schedule continues after them. */
  inlinePolls?: number;
  /** The last inline poll was answered 429: the workflow's first poll waits at least this long. */
  retryAfterMs?: number;
}

export interface FetchResponseInput {
  conversationId: string;
  responseId: string;
  /** 429s this poll already got inside the submitting activity: its backoff continues from there. */
  earlier429s?: number;
}

/** What one GetResponse poll saw. `answer` and `outputs` are set only once the response is terminal. */
export interface FetchResponseOutput {
  status: string;
  terminal: boolean;
  answer?: string;
  citations?: AnswerCitation[];
  outputs?: unknown[];
  attempt: number;
}

/** Details attached to every ApplicationFailure an activity throws, so the workflow can report them per row. */
export interface ApiFailureDetails {
  status?: number;
  code?: string;
  rootUuid?: string;
  /** The activity attempt that failed, so the workflow can count API attempts even on failure. */
  attempt?: number;
}

/**
 * What a streamed turn produced. `terminal` with the answer when the stream ran to its end; otherwise only the
 * response id, and the workflow polls GetResponse for it (the stream broke, erred, or a worker died mid-stream).
 */
export interface StreamTurnOutput extends Omit<FetchResponseOutput, 'status'> {
  responseId: string;
  status?: string;
  /** Why the stream did not deliver the answer, when it did not. */
  streamProblem?: string;
}
