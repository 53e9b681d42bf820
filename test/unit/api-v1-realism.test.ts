/**
 * What a real server may do that the published examples never show, produced by the simulator's realism knobs and
 * read by the real client over HTTP: CRLF or CR line ends and comments in the event stream, events split at any
 * byte, a 200 that is not an event stream, identifiers in both formats, very long answers, and a question echoed
 * with its whitespace trimmed (which the submission look-up must still recognise).
 */
import { describe, expect, it } from 'vitest';
import { findSubmittedTurn } from '../../activities/reconcile';
import { contentText, extractAnswer, StreamError } from '../../moveworks';
import { expectedAnswer } from '../../simulator';
import { useSimulator } from '../helpers/simulator';
import { clientFor, settled } from './api-v1-fixture';

const sim = useSimulator({ answerDelayMs: 40, inProgressAfterMs: 10 });

/** Streams `question` in a new conversation of `api` and returns the answer text. */
async function streamedAnswer(api: 'beta' | 'v1', question: string): Promise<string> {
  const client = clientFor(sim, api);
  const { conversation_id: cid } = await client.createConversation({});
  return extractAnswer(await (await client.createResponseStream(cid, { text: question })).finalResponse()).text;
}

describe('event stream wire formats', () => {
  it('reads CRLF and CR line ends, with comments before events and between their fields', async () => {
    for (const sseLineEnding of ['crlf', 'cr'] as const) {
      sim.configure({ sseLineEnding, sseComments: true });
      const question = `wire ${sseLineEnding}`;
      expect(await streamedAnswer('v1', question), sseLineEnding).toBe(expectedAnswer(question));
    }
    const request = sim.requests().at(-1);
    expect(request?.route).toBe('/conversations/{conversation_id}/responses/stream');
  });

  it('reads events split at any byte, multi-byte characters included', async () => {
    const question = 'héllo wörld 😀 — ça va? [sim:sse-comments]';
    for (const sseChunkBytes of [1, 3]) {
      sim.configure({ sseChunkBytes, sseLineEnding: sseChunkBytes === 3 ? 'crlf' : 'lf' });
      expect(await streamedAnswer('beta', question), `${sseChunkBytes}-byte pieces`).toBe(expectedAnswer(question));
    }
  });

  it('a 200 JSON answer instead of a stream names the response (STREAM_NOT_SSE), which can then be polled', async () => {
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({});
    const question = 'no stream today [sim:stream-early=not-sse]';
    const err = await client.createResponseStream(cid, { text: question }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: 'STREAM_NOT_SSE', status: 200 });
    const responseId = (err as StreamError).responseId;
    expect(responseId).toBe(sim.conversations().find((c) => c.conversation_id === cid)?.turns[0]?.response_id);
    expect(extractAnswer(await settled(client, cid, responseId!)).text).toBe(expectedAnswer(question));
  });

  it('a 200 HTML page instead of a stream is STREAM_NOT_SSE without a response ID (the turn must be looked up)', async () => {
    const client = clientFor(sim, 'beta');
    const { conversation_id: cid } = await client.createConversation({});
    const err = await client
      .createResponseStream(cid, { text: 'proxy [sim:stream-early=html]' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: 'STREAM_NOT_SSE', responseId: undefined });
    expect((err as Error).message).toContain('content-type text/html');
    expect(sim.stats().responsesCreated[cid]).toBe(1);
  });
});

describe('identifiers and sizes', () => {
  it('works with identifiers in both formats in one run (idFormat mixed)', async () => {
    sim.configure({ idFormat: 'mixed' });
    const client = clientFor(sim, 'beta');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { conversation_id: cid } = await client.createConversation({ title: `mixed ${i}` });
      const { response_id: rid } = await client.createResponse(cid, { text: `mixed question ${i}` });
      ids.push(cid, rid);
      expect(extractAnswer(await settled(client, cid, rid)).text).toBe(expectedAnswer(`mixed question ${i}`));
    }
    expect(ids.some((id) => /^(conv|resp)_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect(ids.some((id) => /^(conv|resp)_[0-9A-Za-z]{21}$/.test(id))).toBe(true);
  });

  it('reads very long answers whole, streamed and polled', async () => {
    sim.configure({ minAnswerBytes: 300_000 });
    const client = clientFor(sim, 'v1');
    const { conversation_id: cid } = await client.createConversation({});
    const streamed = await (await client.createResponseStream(cid, { text: 'long one' })).finalResponse();
    const text = extractAnswer(streamed).text;
    expect(Buffer.byteLength(text)).toBe(300_000);
    expect(text.startsWith(expectedAnswer('long one'))).toBe(true);
    const polled = await client.getResponse(cid, streamed.response_id);
    expect(extractAnswer(polled).text).toBe(text);
  });
});

describe('a question echoed with its whitespace trimmed', () => {
  it('is still recognised by the submission look-up, which compares normalised text', async () => {
    sim.configure({ echoTrim: true });
    const client = clientFor(sim, 'beta');
    const { conversation_id: cid } = await client.createConversation({});
    const question = '  What   is\tthe\nPTO policy?  ';
    const { response_id: rid } = await client.createResponse(cid, { text: question });
    const messages = await client.listResponseMessages(cid, rid);
    const echoed = contentText(messages.find((m) => m.actor === 'USER')?.content);
    expect(echoed).toBe('What is the PTO policy?');
    const found = await findSubmittedTurn(client, {
      conversationId: cid,
      question,
      earlierResponseIds: [],
      notBeforeMs: sim.now() - 1000,
    });
    expect(found).toBe(rid);
  });
});
