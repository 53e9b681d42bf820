/**
 * The IDs derived from a question file and the rows grouped into conversations (one workflow each): a row without
 * an `id` cell gets one from its question, a conversation its key, the file its batch ID. Each depends on the
 * content only, so that running the same file again finds the same workflows.
 */
import { createHash } from 'node:crypto';
import type { QuestionRow } from './read';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `q-` + 12 hex of sha256(conversation NUL question), with NUL callback_id appended for a button press: depends on
 * this row only, not on its neighbours.
 */
export function derivedId(question: string, conversation: string | undefined, callbackId?: string): string {
  const pressed = callbackId === undefined ? '' : `\u0000${callbackId}`;
  return `q-${sha256Hex(`${conversation ?? ''}\u0000${question}${pressed}`).slice(0, 12)}`;
}

const MAX_KEY_CHARS = 40;

/**
 * `c-` + the value with characters outside [A-Za-z0-9._-] replaced, at most 40 of them; when that changed the
 * value, 8 hex of its sha256 are appended so that two values that sanitise alike still get different keys.
 */
export function conversationKey(conversation: string): string {
  const clean = conversation.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_KEY_CHARS);
  return clean === conversation ? `c-${clean}` : `c-${clean}-${sha256Hex(conversation).slice(0, 8)}`;
}

export interface Conversation {
  /** Stable and safe in a workflow ID: `c-<sanitised conversation>` or, for a lone row, the row id. */
  key: string;
  title?: string;
  rows: QuestionRow[];
}

/** Conversations in order of first appearance; the turns of each in file order. */
export function groupConversations(rows: QuestionRow[]): Conversation[] {
  const byKey = new Map<string, Conversation>();
  for (const row of rows) {
    const key = row.conversation === undefined ? row.rowId : conversationKey(row.conversation);
    const conversation = byKey.get(key);
    // A one-element array literal: `[]` then push would reserve 17 slots, 23 MB more at 100,000 lone rows.
    if (conversation === undefined) byKey.set(key, { key, title: row.title || undefined, rows: [row] });
    else {
      conversation.rows.push(row);
      if (conversation.title === undefined && row.title) conversation.title = row.title;
    }
  }
  return [...byKey.values()];
}

/** The same file gives the same batch, so that running the command again resumes it. */
export function deriveBatchId(file: { sha256: string }): string {
  return `b-${file.sha256.slice(0, 12)}`;
}
