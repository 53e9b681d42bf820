/** Inputs and outputs of the HTTP activities (shared by activities/ and workflows/). */
import type { AnswerCitation } from './types';

export interface CreateConversationInput {
  title?: string;
}

export interface CreateConversationOutput {
  conversationId: string;
  attempt: number;
}

export interface SubmitTurnInput {
  conversationId: string;
  question: string;
}

export interface SubmitTurnOutput {
  responseId: string;
  status: string;
  attempt: number;
}

export interface FetchResponseInput {
  conversationId: string;
  responseId: string;
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
