/** The API's zod schemas: tolerant of unknown enum values, variants and fields, which they report once. */
import { describe, expect, it } from 'vitest';
import {
  ConversationListSchema,
  ConversationSchema,
  EventListSchema,
  isMessageOutput,
  MessageSchema,
  parseReporting,
  ResponseSchema,
  type AssistantResponse,
} from '../../moveworks';
import { assistantMessage, conversation, response } from './moveworks-fixture';

function reported(): { list: Array<[string, string]>; onUnknown: (what: string, value: string) => void } {
  const list: Array<[string, string]> = [];
  return { list, onUnknown: (what, value) => list.push([what, value]) };
}

describe('schemas: tolerance', () => {
  it('keeps unknown enum values and variants, reports each distinct one once, and keeps extra fields', () => {
    const r = reported();
    const body = response('PAUSED', {
      brand_new_field: { nested: true },
      outputs: [
        { type: 'TOOL_CALL', tool_call: { name: 'lookup' } },
        {
          type: 'MESSAGE',
          message: assistantMessage('msg_1', '', {
            actor: 'LIVE_AGENT',
            content: { type: 'HTML', html: { text: '<b>hi</b>' } },
          }),
        },
        {
          type: 'MESSAGE',
          message: assistantMessage('msg_2', '', { content: { type: 'HTML', html: { text: 'again' } } }),
        },
      ],
    });
    const parsed = parseReporting(ResponseSchema, body, r.onUnknown);
    expect(parsed.success).toBe(true);
    const data = parsed.data as AssistantResponse;
    expect(data.status).toBe('PAUSED');
    expect(data.brand_new_field).toEqual({ nested: true });
    expect(data.outputs?.[0]).toEqual({ type: 'TOOL_CALL', tool_call: { name: 'lookup' } });
    expect(r.list).toEqual(
      expect.arrayContaining([
        ['Response.status', 'PAUSED'],
        ['OutputItem.type', 'TOOL_CALL'],
        ['Message.actor', 'LIVE_AGENT'],
        ['Content.type', 'HTML'],
      ]),
    );
    expect(r.list).toHaveLength(4);
  });

  it('reports nothing for fully known data', () => {
    const r = reported();
    const body = response('COMPLETED', { outputs: [{ type: 'MESSAGE', message: assistantMessage('m', 'ok') }] });
    expect(parseReporting(ResponseSchema, body, r.onUnknown).success).toBe(true);
    expect(r.list).toEqual([]);
  });

  it('ignores an onUnknown callback that throws', () => {
    const parsed = parseReporting(ResponseSchema, response('PAUSED'), () => {
      throw new Error('logger down');
    });
    expect(parsed.success).toBe(true);
  });

  it('accepts null for the nullable fields', () => {
    expect(ConversationSchema.safeParse(conversation('c', { title: null, archived: null })).success).toBe(true);
    expect(
      ResponseSchema.safeParse(
        response('CREATED', { completed_at: null, outputs: null, updated_at: null, error: null }),
      ).success,
    ).toBe(true);
    const message = assistantMessage('m', 'x', { citations: null, content_references: null, feedback: null });
    expect(MessageSchema.safeParse(message).success).toBe(true);
    expect(ConversationListSchema.safeParse({ conversations: [], metadata: null }).success).toBe(true);
    expect(ConversationListSchema.safeParse({ conversations: [] }).success).toBe(true);
    expect(MessageSchema.safeParse({ ...message, actor: undefined }).success).toBe(true);
  });

  it('parses an event list with a MESSAGE_EVENT and an unknown event type', () => {
    const r = reported();
    const body = {
      events: [
        {
          event_id: 'evt_1',
          conversation_id: 'conv_1',
          event_payload: { type: 'MESSAGE_EVENT', message: assistantMessage('m', 'hi') },
        },
        { event_id: 'evt_2', conversation_id: 'conv_1', event_payload: { type: 'TYPING_EVENT' }, created_at: 'x' },
      ],
      metadata: { next_cursor: null },
    };
    expect(parseReporting(EventListSchema, body, r.onUnknown).success).toBe(true);
    expect(r.list).toEqual([['EventPayload.type', 'TYPING_EVENT']]);
  });

  it('still rejects data that breaks the contract, even with a known discriminator', () => {
    expect(ResponseSchema.safeParse({ conversation_id: 'c', status: 'CREATED', created_at: 't' }).success).toBe(false);
    const badOutput = response('COMPLETED', { outputs: [{ type: 'MESSAGE', reasoning_message: {} }] });
    expect(ResponseSchema.safeParse(badOutput).success).toBe(false);
    expect(ResponseSchema.safeParse(response('COMPLETED', { status: 7 })).success).toBe(false);
  });

  it('narrows output items by type', () => {
    const parsed = ResponseSchema.parse(
      response('COMPLETED', { outputs: [{ type: 'MESSAGE', message: assistantMessage('m1', 'hello') }] }),
    );
    const first = parsed.outputs?.[0];
    expect(first && isMessageOutput(first) ? first.message.message_id : undefined).toBe('m1');
  });
});
