/**
 * Exactly once per row. A POST can land at the API while its reply is lost (the connection drops, the worker
 * dies); a plain retry would then create a second conversation or ask the question twice. So before a POST is
 * repeated, the activity looks for what the first attempt may already have created, and reuses it.
 */
import { createHash } from 'node:crypto';
import { contentCallbackId, contentText, type Message, type MoveworksClient } from '../moveworks';

const TITLE_LIMIT = 256;
/** Clock skew allowed between this worker and the API when deciding that a conversation is too old to be ours. */
const SKEW_MS = 5 * 60_000;

/**
 * A marker unique to one conversation of one workflow run, put in the title of the conversation it creates:
 * `owner` is the workflow ID, or `<workflow ID>/<conversation key>` in a workflow that asks several conversations.
 */
export function conversationMarker(owner: string, runId: string): string {
  return `[mwb:${createHash('sha256').update(`${owner}/${runId}`).digest('hex').slice(0, 16)}]`;
}

/**
 * The user's title (or the first question) followed by the marker, within the API's 256 characters (counted as
 * UTF-16 code units, the strictest reading). The text is cut at a grapheme boundary: a cut inside a surrogate pair
 * would send a lone surrogate, which a strict server refuses, and a cut inside an emoji sequence would garble it.
 */
export function titleWithMarker(base: string, marker: string): string {
  const room = TITLE_LIMIT - marker.length - 1;
  const oneLine = base.replace(/\s+/g, ' ').trim();
  const text = oneLine.length > room ? `${cutToLength(oneLine, room - 1)}…` : oneLine;
  return text ? `${text} ${marker}` : marker;
}

/** The longest prefix of `text` made of whole graphemes and at most `max` UTF-16 code units. */
function cutToLength(text: string, max: number): string {
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end).trimEnd();
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The conversation an earlier attempt created, found by its marker among the most recently updated ones; the
 * scan stops at conversations last updated before the first attempt was scheduled.
 */
export async function findConversationByMarker(
  moveworks: MoveworksClient,
  marker: string,
  notBeforeMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  for await (const page of moveworks.listConversations({ limit: 100 }, { signal }).pages()) {
    const found = page.items.find((c) => c.title?.includes(marker));
    if (found) return found.conversation_id;
    const oldest = page.items.at(-1);
    if (!oldest || Date.parse(oldest.updated_at) < notBeforeMs - SKEW_MS) return undefined;
  }
  return undefined;
}

/** What a submission's retry knows to recognise the turn its earlier attempt may have created. */
export interface SubmittedTurnQuery {
  conversationId: string;
  question: string;
  /** Set when the turn pressed a button: its user message is recognised by this callback ID, not by text. */
  callbackId?: string;
  /** Response ids of this conversation's earlier turns, as the workflow recorded them: never this turn's. */
  earlierResponseIds: readonly string[];
  /** When the submission was first scheduled: a message older than that (less clock skew) is not this turn's. */
  notBeforeMs: number;
  /** Set only by workflows that predate `earlierResponseIds`: the turn's position among the user messages. */
  turnIndex?: number;
}

/**
 * The response an earlier attempt created for this turn. Only this workflow submits turns to its conversation, one
 * at a time, so a user message whose response the workflow does not know yet, carrying this question and created
 * since this submission began, is this turn's. Matching is by what the workflow knows, not by position: a refused
 * turn leaves no message, and two turns may carry the same text ("yes"). Text is compared after whitespace
 * normalisation, in case the server trims what it echoes; a button press is recognised by its callback ID.
 */
export async function findSubmittedTurn(
  moveworks: MoveworksClient,
  query: SubmittedTurnQuery,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const known = new Set(query.earlierResponseIds);
  const question = normalised(query.question);
  const isThisTurn = (message: Message): boolean =>
    query.callbackId !== undefined
      ? contentCallbackId(message.content) === query.callbackId
      : normalised(contentText(message.content) ?? '') === question;
  const notBefore = query.notBeforeMs - SKEW_MS;
  const userMessages = [];
  for await (const message of moveworks.listConversationMessages(query.conversationId, { limit: 100 }, { signal })) {
    if (message.actor === 'USER') userMessages.push(message);
  }
  if (query.turnIndex !== undefined) {
    // Scheduled by a workflow that predates earlierResponseIds: the position rule it was written for.
    const mine = userMessages.reverse()[query.turnIndex];
    return mine && isThisTurn(mine) ? mine.response_id : undefined;
  }
  // The API lists newest first: the first match is the most recent attempt's.
  const mine = userMessages.find(
    (message) =>
      !known.has(message.response_id) && !(Date.parse(message.created_at) < notBefore) && isThisTurn(message),
  );
  return mine?.response_id;
}

function normalised(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Attempts whose POST the API certainly did not process because it answered 429 (or 409). The next attempt of
 * such an activity, if it runs on this worker, skips the look-up: under a rate limit the look-up would cost a
 * request of its own on every retry. After a crash or on another worker nothing is known, so it looks.
 */
export class RejectedAttempts {
  private readonly keys = new Set<string>();

  /**
   * Record the outcome of a POST attempt. Only 429s and 409s (refused while the conversation settles) are
   * remembered: other 4xx answers are not retried (nothing to remember, and no entry left behind), and a 5xx,
   * timeout or dropped connection may have been processed.
   */
  note(key: string, err: unknown): void {
    const status = (err as { status?: unknown } | undefined)?.status;
    if (status === 429 || status === 409) this.keys.add(key);
    else this.keys.delete(key);
  }

  /** Whether the previous attempt was certainly not processed; forgets it either way. */
  take(key: string): boolean {
    return this.keys.delete(key);
  }
}
