/**
 * The tolerant reader: where the published contract says "opaque" or is silent, the client keeps what a server
 * sends instead of failing the response, and reports each surprise once per client (the worker's log and counter),
 * never silently. Parse-level cases use the schemas; the rest run against the simulator over HTTP.
 */
import { describe, expect, it } from 'vitest';
import {
  extractAnswer,
  looksTerminal,
  NO_OUTPUT,
  parseReporting,
  ResponseEventDataSchema,
  ResponseSchema,
  StreamError,
  UNKNOWN_STATUS,
  type UnknownKind,
} from '../../moveworks';
import { expectedAnswer } from '../../simulator';
import { useSimulator } from '../helpers/simulator';
import { clientFor, settled } from './api-v1-fixture';

const sim = useSimulator({ answerDelayMs: 60, inProgressAfterMs: 10 });

type Report = [what: string, value: string, kind: UnknownKind];

function recorder(): { reports: Report[]; onUnknown: (what: string, value: string, kind: UnknownKind) => void } {
  const reports: Report[] = [];
  return { reports, onUnknown: (what, value, kind) => reports.push([what, value, kind]) };
}

const T = '2025-01-20T10:00:00Z';

function completedWith(message: Record<string, unknown>): Record<string, unknown> {
  return {
    response_id: 'resp_1',
    conversation_id: 'conv_1',
    status: 'COMPLETED',
    created_at: T,
    outputs: [
      {
        type: 'MESSAGE',
        message: { message_id: 'msg_1', conversation_id: 'conv_1', response_id: 'resp_1', created_at: T, ...message },
      },
    ],
  };
}

describe('tolerant parsing where the contract is opaque or silent', () => {
  it('keeps attributes[].value of any JSON type, and reports each non-string type once', () => {
    const r = recorder();
    const display = (value: unknown) => ({ display: { attributes: [{ key: 'k', value }] } });
    const body = completedWith({
      content: { type: 'PLAIN_TEXT', plain_text: { text: 'hi' } },
      citations: [display(3), display({ nested: true }), display(null), display(4), display('plain')],
    });
    const parsed = parseReporting(ResponseSchema, body, r.onUnknown);
    expect(parsed.success).toBe(true);
    const values = parsed.data?.outputs?.[0]?.type === 'MESSAGE' ? parsed.data.outputs[0] : undefined;
    expect(JSON.stringify(values)).toContain('{"nested":true}');
    expect(r.reports).toEqual([
      ['Display.attributes.value', 'number', 'shape'],
      ['Display.attributes.value', 'object', 'shape'],
      ['Display.attributes.value', 'null', 'shape'],
    ]);
  });

  it('reads the text of a known content type whose body is not the documented one, and reports it', () => {
    const cases: Array<[content: Record<string, unknown>, text: string]> = [
      [{ type: 'MARKDOWN_TEXT', markdown_text: 'a bare string' }, 'a bare string'],
      [{ type: 'PLAIN_TEXT', text: 'at the top level' }, 'at the top level'],
      [{ type: 'COMMONMARK_TEXT', body: { text: 'one level down elsewhere' } }, 'one level down elsewhere'],
      [{ type: 'PLAIN_TEXT', plain_text: { words: 'no text field' } }, ''],
    ];
    for (const [content, text] of cases) {
      const r = recorder();
      const parsed = parseReporting(ResponseSchema, completedWith({ content }), r.onUnknown);
      expect(parsed.success, JSON.stringify(content)).toBe(true);
      expect(extractAnswer(parsed.data!).text).toBe(text);
      expect(r.reports).toEqual([['Content', `${String(content.type)} with an unexpected body`, 'shape']]);
    }
  });

  it('keeps actions of an unknown type or an unexpected body, and reports them', () => {
    const r = recorder();
    const body = completedWith({
      content: { type: 'PLAIN_TEXT', plain_text: { text: 'hi' } },
      actions: [
        { type: 'FORM_ACTION', label: 'Fill in', form: {} },
        { type: 'URL_ACTION', label: 'No URL object', url: 'https://flat.example' },
        { type: 'CALLBACK_ACTION', label: 'Yes', callback_action: { callback_id: 'cb1' } },
      ],
    });
    const parsed = parseReporting(ResponseSchema, body, r.onUnknown);
    expect(parsed.success).toBe(true);
    expect(extractAnswer(parsed.data!).actions).toEqual([
      { type: 'FORM_ACTION', label: 'Fill in', messageId: 'msg_1' },
      { type: 'URL_ACTION', label: 'No URL object', messageId: 'msg_1' },
      { type: 'CALLBACK_ACTION', label: 'Yes', callbackId: 'cb1', messageId: 'msg_1' },
    ]);
    expect(r.reports).toEqual([
      ['Action.type', 'FORM_ACTION', 'variant'],
      ['Action', 'URL_ACTION with an unexpected body', 'shape'],
    ]);
  });

  it('accepts a stream event without sequence_number, and reports it', () => {
    const r = recorder();
    const response = { response_id: 'r', conversation_id: 'c', status: 'IN_PROGRESS', created_at: T };
    const parsed = parseReporting(ResponseEventDataSchema, { response }, r.onUnknown);
    expect(parsed.success).toBe(true);
    expect(r.reports).toEqual([['StreamEvent.sequence_number', 'missing', 'shape']]);
  });

  it('tells a terminal-looking unknown status from one that may still move', () => {
    for (const status of ['CANCELLED', 'CANCELED', 'TIMED_OUT', 'ERRORED', 'HANDED_OFF', 'EXPIRED', 'ABORTED']) {
      expect(looksTerminal(status), status).toBe(true);
    }
    for (const status of ['QUEUED', 'PENDING', 'THINKING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CREATED']) {
      expect(looksTerminal(status), status).toBe(false);
    }
    expect(UNKNOWN_STATUS).toBe('UNKNOWN_STATUS');
  });
});

describe('the tolerant reader against the simulator', () => {
  it('reports an unknown terminal-looking status once per client however often it is polled', async () => {
    const r = recorder();
    const client = clientFor(sim, 'v1', { onUnknown: r.onUnknown });
    const { conversation_id: cid } = await client.createConversation({});
    const { response_id: rid } = await client.createResponse(cid, { text: 'cancel me [sim:status=CANCELLED]' });
    const response = await settled(client, cid, rid);
    expect(response.status).toBe('CANCELLED');
    await client.getResponse(cid, rid);
    await client.getResponse(cid, rid);
    expect(looksTerminal(response.status)).toBe(true);
    expect(r.reports).toEqual([['Response.status', 'CANCELLED', 'terminal_status']]);
  });

  it('a stream whose response ends in an unknown status reports the unknown event and ends STREAM_CUT, to poll', async () => {
    const r = recorder();
    const client = clientFor(sim, 'beta', { onUnknown: r.onUnknown });
    const { conversation_id: cid } = await client.createConversation({});
    const stream = await client.createResponseStream(cid, { text: 'odd end [sim:status=HANDED_OFF]' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: 'STREAM_CUT', responseId: stream.responseId });
    expect(r.reports).toContainEqual(['StreamEvent.event', 'RESPONSE_UPDATED', 'event']);
    expect((await client.getResponse(cid, stream.responseId!)).status).toBe('HANDED_OFF');
  });

  it('keeps the error object of a FAILED response, polled or streamed', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({});
    const { response_id: rid } = await client.createResponse(cid, { text: 'broken [sim:fail]' });
    const polled = extractAnswer(await settled(client, cid, rid));
    expect(polled).toMatchObject({ text: '', errorCode: 'SIMULATED_FAILURE', errorMessage: 'Simulated failure.' });
    expect(polled.note).toBeUndefined();
    const stream = await client.createResponseStream(cid, { text: 'broken too [sim:fail]' });
    const streamed = extractAnswer(await stream.finalResponse());
    expect(streamed).toMatchObject({ errorCode: 'SIMULATED_FAILURE', errorMessage: 'Simulated failure.' });
  });

  it('a COMPLETED response with no outputs (a hand-off) is an empty answer noted NO_OUTPUT, streamed or polled', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({});
    const stream = await client.createResponseStream(cid, { text: 'talk to a human [sim:no-output]' });
    const response = await stream.finalResponse();
    expect(response).toMatchObject({ status: 'COMPLETED', outputs: [] });
    expect(extractAnswer(response)).toMatchObject({ text: '', note: NO_OUTPUT });
    const polled = extractAnswer(await client.getResponse(cid, response.response_id));
    expect(polled).toMatchObject({ text: '', note: 'NO_OUTPUT' });
    // A real answer carries no note.
    const normal = await (await client.createResponseStream(cid, { text: 'hello' })).finalResponse();
    expect(extractAnswer(normal)).toMatchObject({ text: expectedAnswer('hello') });
    expect(extractAnswer(normal).note).toBeUndefined();
  });

  it('delivers a final event the server closed without its blank line', async () => {
    const client = clientFor(sim, 'beta');
    const { conversation_id: cid } = await client.createConversation({});
    const stream = await client.createResponseStream(cid, { text: 'abrupt [sim:no-final-blank] [sim:sse-crlf]' });
    const response = await stream.finalResponse();
    expect(extractAnswer(response).text).toBe(expectedAnswer('abrupt [sim:no-final-blank] [sim:sse-crlf]'));
  });
});

describe('stream idle timeout', () => {
  it('a server silent longer than the idle timeout ends the stream STREAM_IDLE_TIMEOUT; the answer is then polled', async () => {
    sim.configure({ keepAliveMs: 0, answerDelayMs: 700 });
    const client = clientFor(sim, 'beta', { streamIdleTimeoutMs: 250 });
    const { conversation_id: cid } = await client.createConversation({});
    const stream = await client.createResponseStream(cid, { text: 'thinking hard' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: 'STREAM_IDLE_TIMEOUT', responseId: stream.responseId });
    expect((err as Error).message).toContain('no data for 250 ms (stream idle timeout)');
    const polled = await settled(client, cid, stream.responseId!);
    expect(extractAnswer(polled).text).toBe(expectedAnswer('thinking hard'));
  });

  it('keep-alive comments re-arm it: the same wait with comments completes on the stream', async () => {
    sim.configure({ keepAliveMs: 50, answerDelayMs: 700 });
    const client = clientFor(sim, 'beta', { streamIdleTimeoutMs: 250 });
    const { conversation_id: cid } = await client.createConversation({});
    const response = await (await client.createResponseStream(cid, { text: 'thinking aloud' })).finalResponse();
    expect(extractAnswer(response).text).toBe(expectedAnswer('thinking aloud'));
  });
});
