/**
 * Exactly once per row. A POST can land at the API while its reply is lost (the connection drops, the worker
 * dies); a plain retry would then create a second conversation or ask the question twice. So before a POST is
 * repeated, the activity looks for what the first attempt may already have created, and reuses it.
 */
import { createHash } from 'node:crypto';
import { contentText, type MoveworksClient } from '../moveworks';

const TITLE_LIMIT = 256;
/** Clock skew allowed between this worker and the API when deciding that a conversation is too old to be ours. */
const SKEW_MS = 5 * 60_000;

/** A marker unique to one workflow run, put in the title of the conversation it creates. */
export function conversationMarker(workflowId: string, runId: string): string {
  return `[mwb:${createHash('sha256').update(`${workflowId}/${runId}`).digest('hex').slice(0, 16)}]`;
}

/** The user's title (or the first question) followed by the marker, within the API's 256 characters. */
export function titleWithMarker(base: string, marker: string): string {
  const room = TITLE_LIMIT - marker.length - 1;
  const oneLine = base.replace(/\s+/g, ' ').trim();
  const text = oneLine.length > room ? `${oneLine.slice(0, room - 1)}…` : oneLine;
  return text ? `${text} ${marker}` : marker;
}

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

/**
 * The response an earlier attempt created for turn `turnIndex` of this conversation. Only this workflow submits
 * turns to its conversation, one at a time, so the turn-th user message is ours if it carries the question.
 */
export async function findSubmittedTurn(
  moveworks: MoveworksClient,
  conversationId: string,
  turnIndex: number,
  question: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const userMessages = [];
  for await (const message of moveworks.listConversationMessages(conversationId, { limit: 100 }, { signal })) {
    if (message.actor === 'USER') userMessages.push(message);
  }
  userMessages.reverse(); // the API lists newest first
  const mine = userMessages[turnIndex];
  return mine && contentText(mine.content) === question ? mine.response_id : undefined;
}

/**
 * Attempts whose POST the API certainly did not process because it answered 429. The next attempt of
 * such an activity, if it runs on this worker, skips the look-up: under a rate limit the look-up would cost a
 * request of its own on every retry. After a crash or on another worker nothing is known, so it looks.
 */
export class RejectedAttempts {
  private readonly keys = new Set<string>();

  /**
   * Record the outcome of a POST attempt. Only 429s are remembered: other 4xx answers are not retried (nothing
   * to remember, and no entry left behind), and a 5xx, timeout or dropped connection may have been processed.
   */
  note(key: string, err: unknown): void {
    if ((err as { status?: unknown } | undefined)?.status === 429) this.keys.add(key);
    else this.keys.delete(key);
  }

  /** Whether the previous attempt was certainly not processed; forgets it either way. */
  take(key: string): boolean {
    return this.keys.delete(key);
  }
}
