/**
 * Turning a terminal response into what a user reads: the answer text and citations (within a size cap), the
 * actions the answer offers (v1), why a FAILED response failed, and a NO_OUTPUT note for a completed response
 * with no assistant message.
 */
import { formatSize, ResponseTooLargeError, tooLargeMessage } from './errors';
import { DEFAULT_MAX_ANSWER_BYTES } from './limits';
import {
  isMessageOutput,
  type Action,
  type AssistantResponse,
  type Citation,
  type Content,
  type Message,
} from './schemas';

/**
 * The note of a COMPLETED response with no assistant MESSAGE output (e.g. a hand-off to a live agent): its answer
 * is empty, and the note tells that apart from a real empty answer.
 */
export const NO_OUTPUT = 'NO_OUTPUT';

/** One action (button or link) an assistant message offers, flattened. */
export interface AnswerAction {
  /** CALLBACK_ACTION, URL_ACTION, or a type this client does not know (kept as sent). */
  type: string;
  label?: string;
  /** CALLBACK_ACTION: send `{ callbackId }` as the next turn's input to press it. */
  callbackId?: string;
  /** URL_ACTION: the link. */
  url?: string;
  /** The message that offered it. */
  messageId: string;
}

export interface AnswerCitation {
  citationId?: string;
  url?: string;
  /** Text of `display.title`. */
  title?: string;
  /** Text of `display.body`. */
  snippet?: string;
}

export interface Answer {
  /** The text of every assistant MESSAGE output, in order, joined by a blank line. Empty if none. */
  text: string;
  /** Citations of those messages, first occurrence kept, deduplicated by citation_id, else by url. */
  citations: AnswerCitation[];
  /** IDs of those messages (e.g. for feedback). */
  messageIds: string[];
  /** The actions those messages offer, in order (v1; empty on beta). */
  actions: AnswerAction[];
  /** From the response's `error` object, when it has one (a FAILED response saying why). */
  errorCode?: string;
  errorMessage?: string;
  /** NO_OUTPUT when the response COMPLETED with no assistant MESSAGE output; undefined otherwise. */
  note?: typeof NO_OUTPUT;
}

const TEXT_VARIANTS: Record<string, string> = {
  PLAIN_TEXT: 'plain_text',
  COMMONMARK_TEXT: 'commonmark_text',
  MARKDOWN_TEXT: 'markdown_text',
};

/**
 * The text of a content item, whatever its variant. For a variant this client does not know, or a known one whose
 * body is not the documented one, `<lowercased type>.text` (or that field itself when it is a string) is tried
 * first, then any object property with a string `text`, then a top-level string `text`.
 * A button press (CALLBACK_ACTION_CONTENT) has no text: undefined.
 */
export function contentText(content: Content | null | undefined): string | undefined {
  if (!content) return undefined;
  const fields = content as Record<string, unknown>;
  if (content.type === 'CALLBACK_ACTION_CONTENT') return undefined;
  const field = TEXT_VARIANTS[content.type] ?? content.type.toLowerCase();
  const direct = textOf(fields[field]) ?? stringOf(fields[field]);
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'type') continue;
    const text = textOf(value);
    if (text !== undefined) return text;
  }
  return stringOf(fields.text);
}

/** The callback ID of a user message that pressed a button (CALLBACK_ACTION_CONTENT), if it is one. */
export function contentCallbackId(content: Content | null | undefined): string | undefined {
  if (content?.type !== 'CALLBACK_ACTION_CONTENT') return undefined;
  const action = (content as { callback_action?: unknown }).callback_action;
  return stringOf((action as { callback_id?: unknown } | null | undefined)?.callback_id);
}

export interface ExtractAnswerOptions {
  /**
   * Largest answer text allowed, in UTF-8 bytes (default DEFAULT_MAX_ANSWER_BYTES, or the client's
   * `limits.maxAnswerBytes`). The answer travels in a Temporal payload, and Temporal rejects payloads
   * over 2 MB: a bigger answer must fail here, with a clear error, not later in the SDK.
   */
  maxBytes?: number;
}

/**
 * Reasoning messages and user (or live-agent) messages are left out.
 * Throws ResponseTooLargeError when the answer text is over `maxBytes`.
 */
export function extractAnswer(response: AssistantResponse, options: ExtractAnswerOptions = {}): Answer {
  const texts: string[] = [];
  const citations: AnswerCitation[] = [];
  const messageIds: string[] = [];
  const actions: AnswerAction[] = [];
  const seen = new Set<string>();
  for (const item of response.outputs ?? []) {
    if (!isMessageOutput(item) || !isAssistant(item.message)) continue;
    const { message } = item;
    messageIds.push(message.message_id);
    for (const action of message.actions ?? []) actions.push(flattenAction(action, message.message_id));
    const text = contentText(message.content);
    if (text !== undefined && text.trim() !== '') texts.push(text);
    for (const citation of message.citations ?? []) {
      const flat = flattenCitation(citation);
      const key = flat.citationId ? `id:${flat.citationId}` : flat.url ? `url:${flat.url}` : undefined;
      if (key !== undefined) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      citations.push(flat);
    }
  }
  const text = texts.join('\n\n');
  checkAnswerSize(response, text, options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES);
  const answer: Answer = { text, citations, messageIds, actions, ...responseError(response) };
  if (response.status === 'COMPLETED' && messageIds.length === 0) answer.note = NO_OUTPUT;
  return answer;
}

/**
 * `error.code` and `error.message` of a response, when it carries an `error` object (undocumented: read
 * leniently; a string `error` is taken as the message).
 */
export function responseError(response: AssistantResponse): { errorCode?: string; errorMessage?: string } {
  const { error } = response;
  if (typeof error === 'string') return error ? { errorMessage: error } : {};
  if (typeof error !== 'object' || error === null) return {};
  const out: { errorCode?: string; errorMessage?: string } = {};
  const code = stringOf((error as { code?: unknown }).code);
  const message = stringOf((error as { message?: unknown }).message);
  if (code) out.errorCode = code;
  if (message) out.errorMessage = message;
  return out;
}

export function flattenAction(action: Action, messageId: string): AnswerAction {
  const fields = action as Record<string, unknown>;
  const flat: AnswerAction = { type: action.type, messageId };
  const label = stringOf(fields.label);
  if (label !== undefined) flat.label = label;
  const callbackId = stringOf((fields.callback_action as { callback_id?: unknown } | undefined)?.callback_id);
  if (callbackId !== undefined) flat.callbackId = callbackId;
  const url = stringOf((fields.url_action as { url?: unknown } | undefined)?.url);
  if (url !== undefined) flat.url = url;
  return flat;
}

function checkAnswerSize(response: AssistantResponse, text: string, limit: number): void {
  const size = Buffer.byteLength(text, 'utf8');
  if (size <= limit) return;
  const responseId = response.response_id || undefined;
  const what = `answer text (${formatSize(size)})`;
  throw new ResponseTooLargeError(`response ${responseId ?? '(no id)'}: ${tooLargeMessage(what, limit, 'bytes')}`, {
    limit,
    unit: 'bytes',
    responseId,
  });
}

export function flattenCitation(citation: Citation): AnswerCitation {
  const flat: AnswerCitation = {};
  if (citation.citation_id) flat.citationId = citation.citation_id;
  if (citation.url) flat.url = citation.url;
  const title = contentText(citation.display?.title);
  if (title !== undefined) flat.title = title;
  const snippet = contentText(citation.display?.body);
  if (snippet !== undefined) flat.snippet = snippet;
  return flat;
}

function isAssistant(message: Message): boolean {
  return message.actor === undefined || message.actor === 'ASSISTANT';
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function textOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const text = (value as { text?: unknown }).text;
  return typeof text === 'string' ? text : undefined;
}
