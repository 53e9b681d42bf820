/**
 * The simulator's fault knobs (5xx, 429, malformed JSON, hangs, commit-then-drop, lagging reads, conflicts), each
 * test on a simulator of its own.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator, SimulatorOptions } from '../../simulator';
import {
  apiHeaders,
  manualClock,
  simulatorApi,
  startSimulatorForTest,
  type ApiRequest,
  type Json,
} from '../helpers/simulator';

/** A simulator of the test's own, on a clock that stands still unless the test passes its own. */
const start = (options: SimulatorOptions = {}) => startSimulatorForTest({ clock: manualClock(), ...options });

const post = (sim: Simulator, path: string, body: unknown, request: ApiRequest = {}) =>
  simulatorApi(sim).call(path, { method: 'POST', body, ...request });
const apiGet = (sim: Simulator, path: string, request: ApiRequest = {}) => simulatorApi(sim).call(path, request);
const createConversation = (sim: Simulator) => simulatorApi(sim).newConversation();

/** Polls a condition (no fixed sleeps): resolves once `check` is true. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('simulator faults', () => {
  it('replays the same fault decisions, IDs and trace UUIDs for the same seed and requests', async () => {
    const knobs = {
      seed: 42,
      rate5xx: 0.25,
      rate429: 0.15,
      malformedJsonRate: 0.15,
      failureRate: 0.5,
      answerDelayMs: 0,
    };
    async function run(sim: Simulator) {
      const outcomes: string[] = [];
      for (let i = 0; i < 25; i++) {
        const res = await post(sim, '/conversations', { title: `t${i}` });
        outcomes.push(`${res.status} ${res.headers.get('x-moveworks-root-uuid')} ${await res.text()}`);
      }
      return {
        outcomes,
        log: sim.requests().map((r) => [r.status, r.fault ?? '-', r.conversationId ?? '-']),
        dump: sim.conversations(),
      };
    }
    const a = await run(await start(knobs));
    const b = await run(await start(knobs));
    expect(b).toEqual(a);
    const faults = new Set(a.log.map((entry) => entry[1]));
    expect(faults).toContain('rate429');
    expect(faults).toContain('malformed-json');
    expect([...faults].some((f) => String(f).startsWith('http5'))).toBe(true);

    const other = await run(await start({ ...knobs, seed: 43 }));
    expect(other.outcomes).not.toEqual(a.outcomes);
  });

  it("a route's n-th request meets the same fault whatever other routes' requests come between", async () => {
    const knobs = { seed: 3, commitThenDropRate: 0.5, rate429: 0.3 };
    /** Which of ten conversation creates faulted, with `between(i)` GETs of a listing before create i. */
    async function createsWith(between: (i: number) => number) {
      const sim = await start(knobs);
      for (let i = 0; i < 10; i++) {
        for (let g = 0; g < between(i); g++) await apiGet(sim, '/conversations');
        await post(sim, '/conversations', { title: `c${i}` }).catch(() => undefined);
      }
      return sim
        .requests()
        .filter((r) => r.method === 'POST')
        .map((r) => r.fault ?? '-');
    }
    const alone = await createsWith(() => 0);
    expect(alone).toContain('commit-then-drop');
    expect(await createsWith((i) => i % 3)).toEqual(alone);
    expect(await createsWith((i) => (i * 7) % 4)).toEqual(alone);
  });

  it('commit-then-drop stores the conversation or response but drops the connection', async () => {
    const sim = await start({ commitThenDropRate: 1 });
    await expect(post(sim, '/conversations', { title: 'dropped' })).rejects.toThrow();
    const [conversation] = sim.conversations();
    expect(conversation?.title).toBe('dropped');
    expect(sim.requests().at(-1)).toMatchObject({
      status: 0,
      fault: 'commit-then-drop',
      conversationId: conversation?.conversation_id,
    });

    const cid = conversation!.conversation_id;
    await expect(post(sim, `/conversations/${cid}/responses`, { input: { text: 'once only' } })).rejects.toThrow();
    expect(sim.conversations()[0]?.turns.map((t) => t.question)).toEqual(['once only']);
    expect(sim.stats().responsesCreated).toEqual({ [cid]: 1 });
    // Reads are never dropped.
    expect((await apiGet(sim, `/conversations/${cid}`)).status).toBe(200);
  });

  it('answers 500 or 503 INTERNAL_ERROR at rate5xx without creating anything', async () => {
    const sim = await start({ rate5xx: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await post(sim, '/conversations', {});
      statuses.add(res.status);
      expect(await res.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    }
    expect([...statuses].sort()).toEqual([500, 503]);
    expect(sim.conversations()).toEqual([]);
  });

  it('answers 429 at rate429 with a Retry-After', async () => {
    const sim = await start({ rate429: 1 });
    const res = await apiGet(sim, '/conversations');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(sim.requests()[0]).toMatchObject({ fault: 'rate429', status: 429 });
  });

  it('sends a truncated JSON body at malformedJsonRate', async () => {
    const sim = await start();
    const cid = await createConversation(sim);
    sim.configure({ malformedJsonRate: 1 });
    const res = await apiGet(sim, `/conversations/${cid}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text.startsWith(`{"conversation_id":"${cid}"`)).toBe(true);
    // Errors are sent intact.
    const missing = await apiGet(sim, '/conversations/conv_x');
    expect(((await missing.json()) as Json).error.code).toBe('NOT_FOUND');
  });

  it('hangs a request until the client gives up', async () => {
    const sim = await start({ hangRate: 1 });
    const abort = new AbortController();
    const pending = apiGet(sim, '/conversations', { signal: abort.signal });
    await until(() => sim.requests().some((r) => r.fault === 'hang'));
    abort.abort();
    await expect(pending).rejects.toThrow();
    expect(sim.requests()[0]).toMatchObject({ status: 0, fault: 'hang' });
  });

  it('close() ends hanging requests promptly', async () => {
    const sim = await start({ hangRate: 1 });
    const pending = apiGet(sim, '/conversations');
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => sim.requests().length === 1);
    await sim.close();
    expect(await outcome).toBe('failed');
  });

  it('adds latencyMs to API requests', async () => {
    const sim = await start({ latencyMs: 60 });
    const t0 = performance.now();
    const res = await apiGet(sim, '/conversations');
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('notFoundAfterCreateMs: GET of a new response is 404 NOT_FOUND until that long after its creation', async () => {
    const clock = manualClock();
    const sim = await start({ clock, notFoundAfterCreateMs: 500 });
    const cid = await createConversation(sim);
    const created = await post(sim, `/conversations/${cid}/responses`, { input: { text: 'lagging read' } });
    const rid = ((await created.json()) as Json).response_id as string;
    const get = () => apiGet(sim, `/conversations/${cid}/responses/${rid}`);

    const early = await get();
    expect(early.status).toBe(404);
    expect(await early.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    clock.advance(499);
    expect((await get()).status).toBe(404);
    clock.advance(1);
    const visible = await get();
    expect(visible.status).toBe(200);
    expect(((await visible.json()) as Json).response_id).toBe(rid);
    expect(sim.requests().at(-2)).toMatchObject({ status: 404, fault: 'not-found-after-create', responseId: rid });
    expect(sim.stats().faults).toEqual({ 'not-found-after-create': 2 });
  });

  it('conflictWhileSettlingMs: a new response is 409 CONFLICT while the previous one is unfinished or just finished', async () => {
    const clock = manualClock();
    const sim = await start({ clock, answerDelayMs: 1000, conflictWhileSettlingMs: 200 });
    const cid = await createConversation(sim);
    const ask = (text: string, path = 'responses') =>
      post(sim, `/conversations/${cid}/${path}`, { input: { text } }, { accept: 'text/event-stream' });
    expect((await ask('first')).status).toBe(202);

    const refused = await ask('second');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: { code: 'CONFLICT', message: expect.any(String) } });
    expect((await ask('second', 'responses/stream')).status).toBe(409);
    clock.advance(1000); // the first response is COMPLETED now, but only just
    expect((await ask('second')).status).toBe(409);
    clock.advance(199);
    expect((await ask('second')).status).toBe(409);
    clock.advance(1);
    expect((await ask('second')).status).toBe(202);

    // Nothing was stored by the refused calls; another conversation was never blocked.
    expect(sim.conversations()[0]?.turns.map((t) => t.question)).toEqual(['first', 'second']);
    expect(sim.stats().submissionsByQuestion).toEqual({ first: 1, second: 1 });
    expect(sim.stats().faults).toEqual({ 'conflict-while-settling': 4 });
    const other = await createConversation(sim);
    expect((await post(sim, `/conversations/${other}/responses`, { input: { text: 'elsewhere' } })).status).toBe(202);
  });

  it('never records the Authorization header, tokens or client secrets', async () => {
    const sim = await start({ token: 'static-secret-token-123' });
    const tokenRes = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'sim-client',
        client_secret: 'sim-secret',
        grant_type: 'client_credentials',
      }),
    });
    const issued = ((await tokenRes.json()) as Json).data.access_token as string;
    const cid = await createConversation(sim);
    await apiGet(sim, `/conversations/${cid}`, {
      headers: apiHeaders({ token: issued, assistantName: 'sim-assistant' }),
    });
    await apiGet(sim, '/conversations', { headers: apiHeaders({ token: 'wrong-guess', assistantName: 'x' }) });
    await post(sim, `/conversations/${cid}/responses`, { input: { text: 'hello' } });

    const log = sim.requests();
    expect(log.map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      'POST /oauth/v1/token 200',
      'POST /conversations 201',
      'GET /conversations/{conversation_id} 200',
      'GET /conversations 401',
      'POST /conversations/{conversation_id}/responses 202',
    ]);
    expect(log[4]).toMatchObject({
      seq: 5,
      conversationId: cid,
      responseId: expect.stringMatching(/^resp_/),
      body: { input: { text: 'hello' } },
    });
    const admin = await (await fetch(`${sim.origin}/_sim/requests`)).text();
    for (const text of [JSON.stringify(log), admin, JSON.stringify(sim.stats())]) {
      for (const secret of ['static-secret-token-123', issued, 'sim-secret', 'wrong-guess', 'Bearer']) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
