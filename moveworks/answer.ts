/** Turning a terminal response into the answer text and citations a user reads, within a size cap. */
import { formatSize, ResponseTooLargeError, tooLargeMessage } from './errors';
import { DEFAULT_MAX_ANSWER_BYTES } from './limits';
import { isMessageOutput, type Citation, type Content, type Message, type AssistantResponse } from './schemas';

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
}

const TEXT_VARIANTS: Record<string, string> = {
  PLAIN_TEXT: 'plain_text',
  COMMONMARK_TEXT: 'commonmark_text',
  MARKDOWN_TEXT: 'markdown_text',
};

/**
 * The text of a content item, whatever its variant. For a variant this client does not know,
 * `<lowercased type>.text` is tried first, then any object property with a string `text`.
 * A button press (CALLBACK_ACTION_CONTENT) has no text: undefined.
 */
export function contentText(content: Content | null | undefined): string | undefined {
  if (!content) return undefined;
  const fields = content as Record<string, unknown>;
  const known = TEXT_VARIANTS[content.type];
  if (known) return textOf(fields[known]);
  if (content.type === 'CALLBACK_ACTION_CONTENT') return undefined;
  const guess = textOf(fields[content.type.toLowerCase()]);
  if (guess !== undefined) return guess;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'type') continue;
    const text = textOf(value);
    if (text !== undefined) return text;
  }
  return undefined;
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
  const seen = new Set<string>();
  for (const item of response.outputs ?? []) {
    if (!isMessageOutput(item) || !isAssistant(item.message)) continue;
    const { message } = item;
    messageIds.push(message.message_id);
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
  return { text, citations, messageIds };
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

function textOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const text = (value as { text?: unknown }).text;
  return typeof text === 'string' ? text : undefined;
}
