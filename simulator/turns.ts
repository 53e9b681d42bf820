// A turn is one submitted question and the response it starts. Everything random about it is decided when it
// is created; its status at any moment is computed lazily from timestamps, so no timers are needed.
import {
  content,
  citationSpecs,
  MORE_ACTION_LABEL,
  reasoningText,
  type Content,
  type ContentType,
  type StreamEarly,
} from './answers';
import type { ApiFlavour } from './config';

/** The documented statuses, or (under `[sim:status=NAME]`) an end status the contract does not list. */
export type ResponseStatus = 'CREATED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | (string & {});

export interface FeedbackRecord {
  messageId: string;
  rating: 'helpful' | 'unhelpful';
  additionalFeedback?: string;
  at: number;
}

export interface Turn {
  /** Global creation order across all conversations. */
  seq: number;
  conversationId: string;
  responseId: string;
  question: string;
  /** The answer text, decided when the turn is created (answers.ts answerForTurn). */
  answer: string;
  createdAt: number;
  inProgressAt: number;
  /** When the response reaches its terminal status; null = stays IN_PROGRESS forever. */
  settleAt: number | null;
  /** COMPLETED, FAILED, or an undocumented end status (`[sim:status=NAME]`). */
  outcome: string;
  /** `[sim:no-output]`: COMPLETED with no outputs at all. */
  noOutput: boolean;
  /** The API of the request that created the turn: v1 answers offer actions. */
  api: ApiFlavour;
  /** Set when the turn is a button press (v1 `input.callback_id`): the user message is CALLBACK_ACTION_CONTENT. */
  pressedCallbackId?: string;
  /** The callback ID of the "Tell me more" button this turn's answer offers (v1). */
  moreCallbackId: string;
  /** A FAILED response carries `error` (the `failedErrorObject` knob when the turn was created). */
  failedErrorObject: boolean;
  /** The user message's text: the question, trimmed and collapsed under the `echoTrim` knob. */
  echoedText: string;
  contentType: ContentType;
  /** Stream faults: only used when the turn was created through the stream endpoint. */
  streamFault: 'cut' | 'error' | null;
  /** Fails the stream before its first event; wins over streamFault. */
  streamEarly: StreamEarly | null;
  /** Real-time wait between storing the turn and sending the stream's 200 headers (0 = none). */
  headersDelayMs: number;
  userMessageId: string;
  reasoningMessageId: string;
  messageId: string;
  citationIds: string[];
  helpfulCallbackId: string;
  unhelpfulCallbackId: string;
  eventId: string;
  feedback: FeedbackRecord[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function statusAt(turn: Turn, now: number): ResponseStatus {
  if (turn.settleAt !== null && now >= turn.settleAt) return turn.outcome;
  return now >= turn.inProgressAt ? 'IN_PROGRESS' : 'CREATED';
}

export function isTerminal(status: ResponseStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** An end status the contract does not list (`[sim:status=NAME]`), once reached. */
export function isUndocumentedEnd(status: ResponseStatus): boolean {
  return !['CREATED', 'IN_PROGRESS', 'COMPLETED', 'FAILED'].includes(status);
}

export function answerContent(turn: Turn): Content {
  return content(turn.contentType, turn.answer);
}

export function reasoningItem(turn: Turn): object {
  return {
    type: 'REASONING_MESSAGE',
    reasoning_message: {
      reasoning_message_id: turn.reasoningMessageId,
      conversation_id: turn.conversationId,
      response_id: turn.responseId,
      content: content('PLAIN_TEXT', reasoningText(turn.question)),
      created_at: iso(turn.inProgressAt),
    },
  };
}

export function assistantMessage(turn: Turn): object {
  const specs = citationSpecs(turn.question, turn.answer);
  const citations = specs.map((spec, i) => ({
    citation_id: turn.citationIds[i] ?? `cite_missing${i}`,
    url: spec.url,
    display: { title: content('PLAIN_TEXT', spec.title), body: content('PLAIN_TEXT', spec.body) },
  }));
  return {
    message_id: turn.messageId,
    conversation_id: turn.conversationId,
    response_id: turn.responseId,
    actor: 'ASSISTANT',
    content: answerContent(turn),
    created_at: iso(turn.settleAt ?? turn.createdAt),
    citations,
    content_references: citations.map((c, i) => ({ citation_id: c.citation_id, offset: specs[i]?.offset ?? 0 })),
    feedback: {
      helpful: { callback_id: turn.helpfulCallbackId },
      unhelpful: { callback_id: turn.unhelpfulCallbackId },
    },
    ...(turn.api === 'v1' ? { actions: actionsOf(turn, citations[0]?.url) } : {}),
  };
}

/** v1: a button whose callback_id the next turn can send, and a link to the first cited article. */
function actionsOf(turn: Turn, url: string | undefined): object[] {
  const actions: object[] = [
    { type: 'CALLBACK_ACTION', label: MORE_ACTION_LABEL, callback_action: { callback_id: turn.moreCallbackId } },
  ];
  if (url) actions.push({ type: 'URL_ACTION', label: 'Open the article', url_action: { url } });
  return actions;
}

export function userMessage(turn: Turn): object {
  return {
    message_id: turn.userMessageId,
    conversation_id: turn.conversationId,
    response_id: turn.responseId,
    actor: 'USER',
    content:
      turn.pressedCallbackId !== undefined
        ? { type: 'CALLBACK_ACTION_CONTENT', callback_action: { callback_id: turn.pressedCallbackId } }
        : content('PLAIN_TEXT', turn.echoedText),
    created_at: iso(turn.createdAt),
  };
}

export function messageItem(turn: Turn): object {
  return { type: 'MESSAGE', message: assistantMessage(turn) };
}

/**
 * The Response object as the API returns it. `as` renders an earlier status (the 202 acknowledgement and the
 * stream's RESPONSE_CREATED/IN_PROGRESS events always show the status they announce).
 */
export function renderResponse(turn: Turn, now: number, as?: ResponseStatus): Record<string, unknown> {
  const status = as ?? statusAt(turn, now);
  const base = {
    response_id: turn.responseId,
    conversation_id: turn.conversationId,
    status,
    created_at: iso(turn.createdAt),
  };
  // Like the documented create example, a CREATED response omits outputs and completed_at.
  if (status === 'CREATED') return base;
  if (status === 'IN_PROGRESS') return { ...base, completed_at: null, outputs: [reasoningItem(turn)] };
  const completedAt = iso(turn.settleAt ?? now);
  if (status === 'FAILED') {
    const error = turn.failedErrorObject ? { error: { code: 'SIMULATED_FAILURE', message: 'Simulated failure.' } } : {};
    return { ...base, completed_at: completedAt, outputs: [reasoningItem(turn)], ...error };
  }
  if (status !== 'COMPLETED') return { ...base, completed_at: completedAt, outputs: [reasoningItem(turn)] };
  if (turn.noOutput) return { ...base, completed_at: completedAt, outputs: [] };
  return { ...base, completed_at: completedAt, outputs: [reasoningItem(turn), messageItem(turn)] };
}

/** A message visible at `now`, with the key the conversation message list sorts by. */
export interface VisibleMessage {
  at: number;
  order: number;
  body: object;
}

export function visibleMessages(turn: Turn, now: number): VisibleMessage[] {
  const out: VisibleMessage[] = [{ at: turn.createdAt, order: turn.seq * 2, body: userMessage(turn) }];
  if (statusAt(turn, now) === 'COMPLETED' && turn.settleAt !== null && !turn.noOutput) {
    out.push({ at: turn.settleAt, order: turn.seq * 2 + 1, body: assistantMessage(turn) });
  }
  return out;
}
