// A plain view of the stored conversations and their turns, for tests and /_sim/conversations.
import type { ConversationRecord } from './store';
import { statusAt, type FeedbackRecord, type ResponseStatus } from './turns';

export interface TurnDump {
  question: string;
  response_id: string;
  status: ResponseStatus;
  /** The answer text once COMPLETED, otherwise null. */
  answer: string | null;
  created_at: string;
  feedback: FeedbackRecord[];
  /** Set when the turn was a button press (v1 `input.callback_id`): the callback ID it sent. */
  pressed_callback_id?: string;
}

export interface ConversationDump {
  conversation_id: string;
  title: string | null;
  archived: boolean;
  created_at: string;
  turns: TurnDump[];
}

export function dumpConversations(conversations: ConversationRecord[], now: number): ConversationDump[] {
  return [...conversations]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((c) => ({
      conversation_id: c.id,
      title: c.title ?? null,
      archived: c.archived,
      created_at: new Date(c.createdAt).toISOString(),
      turns: c.turns.map((t) => {
        const status = statusAt(t, now);
        return {
          question: t.question,
          response_id: t.responseId,
          status,
          answer: status === 'COMPLETED' ? t.answer : null,
          created_at: new Date(t.createdAt).toISOString(),
          feedback: t.feedback.map((f) => ({ ...f })),
          ...(t.pressedCallbackId !== undefined && { pressed_callback_id: t.pressedCallbackId }),
        };
      }),
    }));
}
