/** The simulator's responses (status over simulator time, content, directives), messages, feedback and events. */
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { manualClock, simulatorApi, useSimulator, type Json } from '../helpers/simulator';

const clock = manualClock();
const sim = useSimulator({ clock });
const { json, newConversation, ask, getResponse } = simulatorApi(sim);

const call = (path: string, method = 'GET', body?: unknown) => json(path, { method, body });
const textOf = (content: Json): string =>
  content.plain_text?.text ?? content.commonmark_text?.text ?? content.markdown_text?.text;

describe('simulator responses', () => {
  it('moves CREATED → IN_PROGRESS → COMPLETED, reasoning before the answer', async () => {
    const cid = await newConversation();
    const created = await ask(cid, 'How do I reset my VPN password?');
    expect(created).toEqual({
      response_id: expect.stringMatching(/^resp_[0-9A-Za-z]{21}$/),
      conversation_id: cid,
      status: 'CREATED',
      created_at: new Date(clock()).toISOString(),
    });
    const rid = created.response_id as string;
    expect((await getResponse(cid, rid)).status).toBe('CREATED');

    clock.advance(300);
    const working = await getResponse(cid, rid);
    expect(working).toMatchObject({ status: 'IN_PROGRESS', completed_at: null });
    expect(working.outputs.map((o: Json) => o.type)).toEqual(['REASONING_MESSAGE']);

    clock.advance(700);
    const done = await getResponse(cid, rid);
    expect(done.status).toBe('COMPLETED');
    expect(Date.parse(done.completed_at) - Date.parse(done.created_at)).toBe(1000);
    expect(done.outputs.map((o: Json) => o.type)).toEqual(['REASONING_MESSAGE', 'MESSAGE']);
    expect(done.outputs[0].reasoning_message.reasoning_message_id).toMatch(/^rs_[0-9A-Za-z]{21}$/);
    const message = done.outputs[1].message as Json;
    expect(message).toMatchObject({ actor: 'ASSISTANT', conversation_id: cid, response_id: rid });
    expect(message.message_id).toMatch(/^msg_[0-9A-Za-z]{21}$/);
    expect(textOf(message.content)).toBe(expectedAnswer('How do I reset my VPN password?'));
    expect(message.citations.length).toBeGreaterThanOrEqual(1);
    expect(message.citations.length).toBeLessThanOrEqual(2);
    for (const citation of message.citations as Json[]) {
      expect(citation.citation_id).toMatch(/^cite_[0-9A-Za-z]{21}$/);
      expect(citation.display.title.type).toBe('PLAIN_TEXT');
    }
    expect(message.content_references.map((r: Json) => r.citation_id)).toEqual(
      message.citations.map((c: Json) => c.citation_id),
    );
    expect(message.feedback.helpful.callback_id).not.toBe(message.feedback.unhelpful.callback_id);
  });

  it('rotates the answer content type, or uses the configured one', async () => {
    const cid = await newConversation();
    const rids = [];
    for (const q of ['q1', 'q2', 'q3', 'q4']) rids.push((await ask(cid, q)).response_id as string);
    clock.advance(1000);
    const types = [];
    for (const rid of rids) types.push((await getResponse(cid, rid)).outputs[1].message.content.type);
    expect(types).toEqual(['PLAIN_TEXT', 'COMMONMARK_TEXT', 'MARKDOWN_TEXT', 'PLAIN_TEXT']);

    sim.configure({ contentVariant: 'MARKDOWN_TEXT' });
    const rid = (await ask(cid, 'q5')).response_id as string;
    clock.advance(1000);
    const content = (await getResponse(cid, rid)).outputs[1].message.content;
    expect(content).toEqual({ type: 'MARKDOWN_TEXT', markdown_text: { text: expectedAnswer('q5') } });
  });

  it('obeys the [sim:fail], [sim:delay=MS] and [sim:never] directives', async () => {
    const cid = await newConversation();
    const fail = (await ask(cid, 'break please [sim:fail]')).response_id as string;
    const slow = (await ask(cid, 'slowly [sim:delay=5000]')).response_id as string;
    const never = (await ask(cid, 'never [sim:never]')).response_id as string;
    clock.advance(1000);
    const failed = await getResponse(cid, fail);
    expect(failed.status).toBe('FAILED');
    expect(failed.completed_at).toBeTruthy();
    expect(failed.outputs.some((o: Json) => o.type === 'MESSAGE')).toBe(false);
    expect((await getResponse(cid, slow)).status).toBe('IN_PROGRESS');
    clock.advance(4000);
    const slowDone = await getResponse(cid, slow);
    expect(slowDone.status).toBe('COMPLETED');
    expect(textOf(slowDone.outputs[1].message.content)).toBe(expectedAnswer('slowly [sim:delay=5000]'));
    clock.advance(3_600_000);
    expect((await getResponse(cid, never)).status).toBe('IN_PROGRESS');
  });

  it('fails responses at failureRate and slows them at slowAnswerRate', async () => {
    sim.configure({ failureRate: 1 });
    const cid = await newConversation();
    const rid = (await ask(cid, 'any question')).response_id as string;
    clock.advance(1000);
    expect((await getResponse(cid, rid)).status).toBe('FAILED');

    sim.configure({ failureRate: 0, slowAnswerRate: 1, slowAnswerMs: 10_000 });
    const slow = (await ask(cid, 'another')).response_id as string;
    clock.advance(9_999);
    expect((await getResponse(cid, slow)).status).toBe('IN_PROGRESS');
    clock.advance(1);
    expect((await getResponse(cid, slow)).status).toBe('COMPLETED');
  });

  it('rejects missing or empty input and invalid JSON with 400 INVALID_INPUT', async () => {
    const cid = await newConversation();
    for (const body of [
      {},
      { input: {} },
      { input: { text: '' } },
      { input: { text: '   ' } },
      { input: 'text' },
      '{oops',
      '',
    ]) {
      const res = await call(`/conversations/${cid}/responses`, 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error: { code: 'INVALID_INPUT', message: expect.any(String) } });
    }
    expect(sim.stats().responsesCreated[cid]).toBeUndefined();
  });

  it('answers 404 for unknown conversations and responses', async () => {
    const cid = await newConversation();
    const unknown = 'conv_000000000000000000000';
    for (const [path, method, body] of [
      [`/conversations/${unknown}/responses`, 'POST', { input: { text: 'hi' } }],
      [`/conversations/${cid}/responses/resp_000000000000000000000`, 'GET', undefined],
      [`/conversations/${unknown}/messages`, 'GET', undefined],
      [`/conversations/${cid}/responses/resp_000000000000000000000/messages`, 'GET', undefined],
      [`/conversations/${unknown}/events`, 'GET', undefined],
    ] as const) {
      const res = await call(path, method, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('accepts a new response while another is still in progress, and counts created responses', async () => {
    const cid = await newConversation();
    const first = (await ask(cid, 'first [sim:never]')).response_id;
    const second = (await ask(cid, 'second')).response_id;
    expect(first).not.toBe(second);
    clock.advance(1000);
    expect((await getResponse(cid, second)).status).toBe('COMPLETED');
    expect(sim.stats().responsesCreated).toEqual({ [cid]: 2 });
    const dump = sim.conversations();
    expect(dump[0]?.turns.map((t) => [t.question, t.status, t.answer])).toEqual([
      ['first [sim:never]', 'IN_PROGRESS', null],
      ['second', 'COMPLETED', expectedAnswer('second')],
    ]);
    expect(dump[0]?.title).toBe('first');
  });
});

describe('simulator messages, feedback and events', () => {
  it('lists user and assistant messages newest first, page by page', async () => {
    const cid = await newConversation();
    const r1 = (await ask(cid, 'one')).response_id;
    clock.advance(1000);
    const r2 = (await ask(cid, 'two')).response_id;
    clock.advance(1000);
    const all = (await call(`/conversations/${cid}/messages`)).body;
    expect(all.messages.map((m: Json) => [m.actor, m.response_id, textOf(m.content)])).toEqual([
      ['ASSISTANT', r2, expectedAnswer('two')],
      ['USER', r2, 'two'],
      ['ASSISTANT', r1, expectedAnswer('one')],
      ['USER', r1, 'one'],
    ]);
    expect(all.messages[1].feedback).toBeUndefined();

    const first = (await call(`/conversations/${cid}/messages?limit=3`)).body;
    expect(first.messages).toHaveLength(3);
    const second = (await call(`/conversations/${cid}/messages?limit=3&cursor=${first.metadata.next_cursor}`)).body;
    expect([...first.messages, ...second.messages]).toEqual(all.messages);
    expect(second.metadata.next_cursor).toBeNull();
    expect((await call(`/conversations/${cid}/messages?cursor=xyz`)).status).toBe(400);
  });

  it('lists the messages of one response without pagination', async () => {
    const cid = await newConversation();
    const rid = (await ask(cid, 'only me')).response_id;
    const before = (await call(`/conversations/${cid}/responses/${rid}/messages`)).body;
    expect(before).toEqual({ messages: [expect.objectContaining({ actor: 'USER' })] });
    clock.advance(1000);
    const after = (await call(`/conversations/${cid}/responses/${rid}/messages`)).body;
    expect(after.messages.map((m: Json) => m.actor)).toEqual(['USER', 'ASSISTANT']);
  });

  it('accepts feedback only with one of the message’s own callback ids', async () => {
    const cid = await newConversation();
    const rid = (await ask(cid, 'rate me')).response_id;
    const other = (await ask(cid, 'other')).response_id;
    clock.advance(1000);
    const message = (await getResponse(cid, rid)).outputs[1].message as Json;
    const otherMessage = (await getResponse(cid, other)).outputs[1].message as Json;
    const path = `/conversations/${cid}/responses/${rid}/messages/${message.message_id}/feedback`;

    const ok = await call(path, 'POST', {
      callback_id: message.feedback.unhelpful.callback_id,
      additional_feedback: 'meh',
    });
    expect(ok).toEqual({ status: 200, body: { status: 'SUBMITTED' } });
    expect(sim.conversations()[0]?.turns[0]?.feedback).toMatchObject([
      { rating: 'unhelpful', additionalFeedback: 'meh' },
    ]);

    for (const body of [
      { callback_id: otherMessage.feedback.helpful.callback_id },
      { callback_id: 'made-up' },
      {},
      '{bad',
    ]) {
      const res = await call(path, 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    const tooLong = await call(path, 'POST', {
      callback_id: message.feedback.helpful.callback_id,
      additional_feedback: 'x'.repeat(1001),
    });
    expect(tooLong.status).toBe(400);

    const userMessageId = (await call(`/conversations/${cid}/responses/${rid}/messages`)).body.messages[0].message_id;
    const onUser = await call(`/conversations/${cid}/responses/${rid}/messages/${userMessageId}/feedback`, 'POST', {
      callback_id: message.feedback.helpful.callback_id,
    });
    expect(onUser.body.error.code).toBe('INVALID_REQUEST');
    const unknown = await call(
      `/conversations/${cid}/responses/${rid}/messages/msg_000000000000000000000/feedback`,
      'POST',
      {
        callback_id: 'x',
      },
    );
    expect(unknown.status).toBe(404);
  });

  it('lists completed assistant messages as events, oldest first, with bounds and pages', async () => {
    const c1 = await newConversation();
    const c2 = await newConversation();
    await ask(c1, 'a [sim:delay=100]');
    await ask(c2, 'b [sim:delay=200]');
    await ask(c1, 'c [sim:delay=300]');
    await ask(c1, 'd [sim:never]');
    clock.advance(1000);

    const all = (await call('/conversations/-/events')).body;
    const texts = all.events.map((e: Json) => textOf(e.event_payload.message.content));
    expect(texts).toEqual(['a [sim:delay=100]', 'b [sim:delay=200]', 'c [sim:delay=300]'].map(expectedAnswer));
    expect(all.metadata).toEqual({ next_cursor: null });
    const ids = all.events.map((e: Json) => e.event_id as string);
    for (const id of ids)
      expect(id).toMatch(/^evt_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(all.events[0].event_payload.type).toBe('MESSAGE_EVENT');

    const own = (await call(`/conversations/${c1}/events`)).body;
    expect(own.events.map((e: Json) => e.conversation_id)).toEqual([c1, c1]);
    const after = (await call(`/conversations/-/events?starting_after=${ids[0]}&ending_at=${ids[1]}`)).body;
    expect(after.events.map((e: Json) => e.event_id)).toEqual([ids[1]]);
    const legacy = (await call(`/conversations/-/events?start_event_id=${ids[1]}`)).body;
    expect(legacy.events.map((e: Json) => e.event_id)).toEqual([ids[2]]);

    const page1 = (await call('/conversations/-/events?limit=2')).body;
    const page2 = (await call(`/conversations/-/events?limit=2&cursor=${page1.metadata.next_cursor}`)).body;
    expect([...page1.events, ...page2.events].map((e: Json) => e.event_id)).toEqual(ids);
  });
});
