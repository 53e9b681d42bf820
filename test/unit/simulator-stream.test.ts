/** The simulator's SSE stream: the events in order, keep-alives, and every way a stream can fail. */
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { manualClock, simulatorApi, startSimulatorForTest, useSimulator, type Json } from '../helpers/simulator';
import { readSseWithComments, type SseItem } from '../helpers/sse';
import { waitFor } from '../helpers/wait';

const clock = manualClock();
const sim = useSimulator({ clock });
const { call, newConversation, openStream } = simulatorApi(sim);

/**
 * Reads the whole stream. After each event, `onEvent` may move the simulator clock, which is how the test drives
 * the response forward without sleeping.
 */
async function collect(res: Response, onEvent: (e: SseItem) => void = () => clock.advance(500)) {
  const items: SseItem[] = [];
  let error: unknown;
  try {
    for await (const item of readSseWithComments(res.body!)) {
      items.push(item);
      onEvent(item);
    }
  } catch (e) {
    error = e;
  }
  const events = items.flatMap((i) =>
    i.kind === 'event' ? [{ name: i.event, data: JSON.parse(i.data) as Json }] : [],
  );
  return { items, events, error };
}

describe('simulator SSE stream', () => {
  it('streams CREATED, IN_PROGRESS, reasoning and message deltas, then COMPLETED, numbered from 1', async () => {
    const cid = await newConversation();
    const res = await openStream(cid, 'Stream me an answer');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-moveworks-root-uuid')).toBeTruthy();
    const { items, events, error } = await collect(res);
    expect(error).toBeUndefined();
    expect(events.map((e) => e.name)).toEqual([
      'RESPONSE_CREATED',
      'RESPONSE_IN_PROGRESS',
      'RESPONSE_OUTPUT_DELTA',
      'RESPONSE_OUTPUT_DELTA',
      'RESPONSE_COMPLETED',
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual([1, 2, 3, 4, 5]);
    for (const e of events) expect(e.data.event_type).toBe(e.name);
    expect(items.some((i) => i.kind === 'comment' && i.text === 'keep-alive')).toBe(true);

    const [created, inProgress, reasoning, message, completed] = events.map((e) => e.data);
    expect(created?.response.status).toBe('CREATED');
    expect(inProgress?.response.status).toBe('IN_PROGRESS');
    expect(reasoning?.output.type).toBe('REASONING_MESSAGE');
    expect(message?.output.type).toBe('MESSAGE');
    expect(completed?.response.status).toBe('COMPLETED');
    expect(completed?.response.outputs[1].message).toEqual(message?.output.message);
    expect(message?.output.message.content.plain_text.text).toBe(expectedAnswer('Stream me an answer'));

    // The streamed response is the stored one.
    const rid = created?.response.response_id as string;
    const polled = await call(`/conversations/${cid}/responses/${rid}`);
    expect(await polled.json()).toEqual(completed?.response);
    expect(sim.stats().responsesCreated).toEqual({ [cid]: 1 });
  });

  it('ends with RESPONSE_FAILED for a failing question', async () => {
    const cid = await newConversation();
    const { events } = await collect(await openStream(cid, 'doomed [sim:fail]'));
    expect(events.map((e) => e.name)).toEqual([
      'RESPONSE_CREATED',
      'RESPONSE_IN_PROGRESS',
      'RESPONSE_OUTPUT_DELTA',
      'RESPONSE_FAILED',
    ]);
    const failed = events[3]?.data.response as Json;
    expect(failed.status).toBe('FAILED');
    expect(failed.completed_at).toBeTruthy();
  });

  it('rejects a request without Accept: text/event-stream with 400 INVALID_INPUT', async () => {
    const cid = await newConversation();
    const res = await openStream(cid, 'hello', 'application/json');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'INVALID_INPUT', message: expect.any(String) } });
    const missing = await call(`/conversations/${cid}/responses/stream`, {
      method: 'POST',
      accept: 'text/event-stream',
      body: { input: {} },
    });
    expect(missing.status).toBe(400);
    expect(sim.stats().responsesCreated[cid]).toBeUndefined();
  });

  it('cuts the connection after RESPONSE_CREATED; the response can still be polled', async () => {
    sim.configure({ cutStreamRate: 1 });
    const cid = await newConversation();
    const { events, error } = await collect(await openStream(cid, 'cut me'), () => undefined);
    expect(events.map((e) => e.name)).toEqual(['RESPONSE_CREATED']);
    expect(error).toBeInstanceOf(Error);
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'cut-stream' });

    clock.advance(1000);
    const rid = events[0]?.data.response.response_id as string;
    const polled = (await (await call(`/conversations/${cid}/responses/${rid}`)).json()) as Json;
    expect(polled.status).toBe('COMPLETED');
  });

  it('sends an ERROR event mid-stream and closes', async () => {
    sim.configure({ streamErrorRate: 1 });
    const cid = await newConversation();
    const { events, error } = await collect(await openStream(cid, 'error me'));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.name)).toEqual([
      'RESPONSE_CREATED',
      'RESPONSE_IN_PROGRESS',
      'RESPONSE_OUTPUT_DELTA',
      'ERROR',
    ]);
    expect(events[3]?.data).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
  });

  it('supports per-question stream fault directives', async () => {
    const cid = await newConversation();
    const cut = await collect(await openStream(cid, 'x [sim:cut]'), () => undefined);
    expect(cut.events.map((e) => e.name)).toEqual(['RESPONSE_CREATED']);
    const errored = await collect(await openStream(cid, 'y [sim:stream-error]'));
    expect(errored.events.at(-1)?.name).toBe('ERROR');
  });

  it('[sim:headers-delay=MS] stores the turn at once and sends the 200 headers MS real-time ms later', async () => {
    const cid = await newConversation();
    const started = performance.now();
    let headersArrived = false;
    const pending = openStream(cid, 'late headers [sim:headers-delay=400]').then((res) => {
      headersArrived = true;
      return res;
    });
    const turn = await waitFor('the stored turn', () => sim.conversations()[0]?.turns[0]);
    expect(headersArrived).toBe(false);
    expect(sim.stats().responsesCreated).toEqual({ [cid]: 1 });
    expect(sim.requests().at(-1)).toMatchObject({ status: 0, fault: 'headers-delay', responseId: turn.response_id });

    const res = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(res.status).toBe(200);
    expect(sim.requests().at(-1)?.status).toBe(200);
    const { events } = await collect(res);
    expect(events[0]?.data.response.response_id).toBe(turn.response_id);
    expect(events.at(-1)?.name).toBe('RESPONSE_COMPLETED');
  });

  it('[sim:headers-delay=MS] lets a client give up before the headers; the turn stays stored', async () => {
    const cid = await newConversation();
    const abort = new AbortController();
    const pending = call(`/conversations/${cid}/responses/stream`, {
      method: 'POST',
      accept: 'text/event-stream',
      body: { input: { text: 'too late [sim:headers-delay=600000]' } },
      signal: abort.signal,
    });
    await waitFor('the stored turn', () => sim.conversations()[0]?.turns[0]);
    abort.abort();
    await expect(pending).rejects.toThrow();
    expect(sim.requests().at(-1)).toMatchObject({ status: 0, fault: 'headers-delay' });
    expect(sim.conversations()[0]?.turns.map((t) => t.question)).toEqual(['too late [sim:headers-delay=600000]']);
  });

  it('[sim:stream-early=cut] commits, sends the headers, then drops the connection before any event', async () => {
    const cid = await newConversation();
    for (let attempt = 1; attempt <= 2; attempt++) {
      const res = await openStream(cid, 'drop early [sim:stream-early=cut]');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const { items, error } = await collect(res, () => undefined);
      expect(items).toEqual([]);
      expect(error).toBeInstanceOf(Error);
      expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'stream-early-cut' });
    }
    // Every POST of the question behaves the same, and each one is a stored turn.
    expect(sim.stats().responsesCreated).toEqual({ [cid]: 2 });
  });

  it('[sim:stream-early=error] commits, then sends one ERROR event that names no response', async () => {
    const cid = await newConversation();
    const res = await openStream(cid, 'error early [sim:stream-early=error]');
    expect(res.status).toBe(200);
    const { items, events, error } = await collect(res);
    expect(error).toBeUndefined();
    expect(events).toEqual([{ name: 'ERROR', data: { error: { code: 'INTERNAL', message: expect.any(String) } } }]);
    const [turn] = sim.conversations()[0]?.turns ?? [];
    expect(JSON.stringify(items)).not.toContain(turn?.response_id);
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'stream-early-error' });
  });

  it('[sim:stream-early=not-sse] commits, then answers 200 application/json with the response body', async () => {
    const cid = await newConversation();
    const res = await openStream(cid, 'json please [sim:stream-early=not-sse]');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Json;
    const [turn] = sim.conversations()[0]?.turns ?? [];
    expect(body).toEqual({
      response_id: turn?.response_id,
      conversation_id: cid,
      status: 'CREATED',
      created_at: new Date(clock()).toISOString(),
    });
    expect(sim.requests().at(-1)).toMatchObject({ status: 200, fault: 'stream-early-not-sse' });
  });

  it('keeps a never-ending stream alive until the simulator closes', async () => {
    const own = await startSimulatorForTest({ clock, keepAliveMs: 10 });
    const ownApi = simulatorApi(own);
    const res = await ownApi.openStream(await ownApi.newConversation(), 'forever [sim:never]');
    let keepAlives = 0;
    let closing: Promise<void> | undefined;
    const { events, error } = await collect(res, (item) => {
      if (item.kind === 'event') clock.advance(1000);
      if (item.kind === 'comment' && ++keepAlives === 3) closing = own.close();
    });
    await closing;
    expect(keepAlives).toBeGreaterThanOrEqual(3);
    expect(events.map((e) => e.name)).toEqual(['RESPONSE_CREATED', 'RESPONSE_IN_PROGRESS', 'RESPONSE_OUTPUT_DELTA']);
    expect(error).toBeInstanceOf(Error);
  });
});
