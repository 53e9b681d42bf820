// Per-question directives that exactly-once tests rely on ([sim:refuse=…], [sim:size=…]), repeated questions, and
// the submission counts in sim.stats() that let a test assert "asked once".
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { manualClock, simulatorApi, useSimulator, type Json } from '../helpers/simulator';

const clock = manualClock();
const sim = useSimulator({ clock });
const api = simulatorApi(sim);
const { newConversation, openStream } = api;

/** An API call's status, content type and JSON body. */
async function call(path: string, method = 'GET', body?: unknown, accept?: string) {
  const res = await api.call(path, { method, body, accept });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as Json };
}

/** Asks `text` in conversation `cid`: the new response's id. */
const ask = async (cid: string, text: string) => (await api.ask(cid, text)).response_id as string;

const answerText = (response: Json): string => {
  const content = response.outputs[1].message.content as Json;
  return content.plain_text?.text ?? content.commonmark_text?.text ?? content.markdown_text?.text;
};

describe('simulator directives for exactly-once tests', () => {
  it('[sim:refuse=400|422] answers that status on both create endpoints and stores nothing', async () => {
    const cid = await newConversation();
    for (const [status, code] of [
      [400, 'INVALID_INPUT'],
      [422, 'UNPROCESSABLE_ENTITY'],
    ] as const) {
      const text = `Please refuse me [sim:refuse=${status}]`;
      const polled = await call(`/conversations/${cid}/responses`, 'POST', { input: { text } });
      const streamed = await call(
        `/conversations/${cid}/responses/stream`,
        'POST',
        { input: { text } },
        'text/event-stream',
      );
      for (const res of [polled, streamed]) {
        expect(res.status).toBe(status);
        expect(res.contentType).toBe('application/json');
        expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
      }
    }
    expect((await call(`/conversations/${cid}/messages`)).body.messages).toEqual([]);
    expect(sim.conversations()[0]?.turns).toEqual([]);
    expect(sim.stats()).toMatchObject({ responsesCreated: {}, submissionsByQuestion: {} });
    expect(sim.requests().flatMap((r) => (r.fault ? [`${r.fault} ${r.status}`] : []))).toEqual([
      'refuse-400 400',
      'refuse-400 400',
      'refuse-422 422',
      'refuse-422 422',
    ]);
  });

  it('[sim:size=N] pads the answer to N UTF-8 bytes, exactly as expectedAnswer says', async () => {
    const question = 'Wie groß ist die Antwort? [sim:size=70000]';
    const padded = expectedAnswer(question);
    expect(Buffer.byteLength(padded, 'utf8')).toBe(70_000);
    expect(padded.startsWith(`Simulated answer to "${question}" [`)).toBe(true);
    expect(expectedAnswer(question)).toBe(padded);

    const cid = await newConversation();
    const rid = await ask(cid, question);
    clock.advance(1000);
    const done = (await call(`/conversations/${cid}/responses/${rid}`)).body;
    expect(done.status).toBe('COMPLETED');
    expect(answerText(done)).toBe(padded);

    // A size below the natural length changes nothing but the hash the directive is part of.
    const small = expectedAnswer('tiny [sim:size=10]');
    expect(small).toMatch(/^Simulated answer to "tiny \[sim:size=10\]" \[[0-9a-f]{8}\]$/);
  });

  it('takes the same question twice in one conversation as two turns with two answers', async () => {
    const cid = await newConversation();
    const first = await ask(cid, 'Same question?');
    clock.advance(1000);
    const second = await ask(cid, 'Same question?');
    expect(second).not.toBe(first);
    clock.advance(1000);
    for (const rid of [first, second]) {
      const done = (await call(`/conversations/${cid}/responses/${rid}`)).body;
      expect(done.status).toBe('COMPLETED');
      expect(answerText(done)).toBe(expectedAnswer('Same question?'));
    }
    const messages = (await call(`/conversations/${cid}/messages`)).body.messages as Json[];
    expect(messages.map((m) => [m.actor, m.response_id])).toEqual([
      ['ASSISTANT', second],
      ['USER', second],
      ['ASSISTANT', first],
      ['USER', first],
    ]);
    expect(sim.stats()).toMatchObject({
      responsesCreated: { [cid]: 2 },
      submissionsByQuestion: { 'Same question?': 2 },
    });
  });

  it('counts created responses per question text over every conversation and both create endpoints', async () => {
    const [a, b] = [await newConversation(), await newConversation()];
    await ask(a, 'Where is the VPN guide?');
    await ask(b, 'Where is the VPN guide?');
    const streamed = await openStream(b, 'Streamed once [sim:stream-early=error]');
    await streamed.text();
    await call(`/conversations/${a}/responses`, 'POST', { input: {} });
    expect(sim.stats()).toMatchObject({
      conversationsCreated: 2,
      responsesCreated: { [a]: 1, [b]: 2 },
      submissionsByQuestion: { 'Where is the VPN guide?': 2, 'Streamed once [sim:stream-early=error]': 1 },
    });
    sim.reset();
    expect(sim.stats().submissionsByQuestion).toEqual({});
  });

  it('[sim:commit-delay=MS] stores nothing until MS real-time milliseconds after the POST arrived', async () => {
    const cid = await newConversation();
    const text = 'A slow server [sim:commit-delay=300]';
    const posting = call(`/conversations/${cid}/responses`, 'POST', { input: { text } });
    // While the POST is held, the conversation has no message yet: a look-up would find nothing.
    const during = await call(`/conversations/${cid}/messages`);
    expect(during.body.messages).toEqual([]);
    const res = await posting;
    expect(res.status).toBe(202);
    const after = await call(`/conversations/${cid}/messages`);
    expect(after.body.messages).toHaveLength(1);
    expect(sim.requests().find((r) => r.method === 'POST' && r.route.endsWith('/responses'))?.fault).toBe(
      'commit-delay',
    );
  });

  it('refuses a conversation title holding a lone surrogate (a character cut in half), like a strict server', async () => {
    const cut = '😀'.slice(0, 1);
    const refused = await call('/conversations', 'POST', { title: `half an emoji ${cut}` });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_INPUT');
    const whole = await call('/conversations', 'POST', { title: 'a whole emoji 😀' });
    expect(whole.status).toBe(201);
  });
});
