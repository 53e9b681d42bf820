/** The simulator's conversations (create, get, update, list page by page) and its auth on API paths. */
import { describe, expect, it } from 'vitest';
import { apiHeaders, manualClock, simulatorApi, useSimulator } from '../helpers/simulator';

const clock = manualClock();
const sim = useSimulator({ clock }, { reset: 'state' });
const { call, newConversation } = simulatorApi(sim);

describe('simulator conversations', () => {
  it('creates a conversation with a docs-style id and returns it from GET', async () => {
    const res = await call('/conversations', { method: 'POST', body: { title: 'Help with permissions' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-moveworks-root-uuid')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const created = (await res.json()) as Record<string, unknown>;
    expect(created.conversation_id).toMatch(/^conv_[0-9A-Za-z]{21}$/);
    expect(created).toMatchObject({
      title: 'Help with permissions',
      archived: false,
      created_at: '2025-01-20T10:00:00.000Z',
    });

    const got = await call(`/conversations/${String(created.conversation_id)}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(created);
  });

  it('accepts an empty body and a missing title', async () => {
    const res = await call('/conversations', { method: 'POST', body: '' });
    expect(res.status).toBe(201);
    expect(await res.json()).not.toHaveProperty('title');
  });

  it('rejects a title over 256 characters and invalid JSON with 400 INVALID_INPUT', async () => {
    const tooLong = await call('/conversations', { method: 'POST', body: { title: 'x'.repeat(257) } });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({ error: { code: 'INVALID_INPUT', message: expect.any(String) } });
    expect((await call('/conversations', { method: 'POST', body: { title: 'x'.repeat(256) } })).status).toBe(201);
    const broken = await call('/conversations', { method: 'POST', body: '{"title":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
  });

  it('updates title and archived, moving updated_at forward', async () => {
    const id = await newConversation('old');
    clock.advance(5 * 60_000);
    const res = await call(`/conversations/${id}`, { method: 'PATCH', body: { title: 'new', archived: true } });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ title: 'new', archived: true });
    expect(Date.parse(String(updated.updated_at)) - Date.parse(String(updated.created_at))).toBe(5 * 60_000);
    const tooLong = await call(`/conversations/${id}`, { method: 'PATCH', body: { title: 'y'.repeat(300) } });
    expect(tooLong.status).toBe(400);
  });

  it('answers 404 NOT_FOUND for unknown ids and unknown paths', async () => {
    for (const [method, path] of [
      ['GET', '/conversations/conv_000000000000000000000'],
      ['PATCH', '/conversations/conv_000000000000000000000'],
      ['GET', '/nothing-here'],
      ['DELETE', '/conversations'],
    ] as const) {
      const res = await call(path, { method, ...(method === 'PATCH' ? { body: {} } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('x-moveworks-root-uuid')).toBeTruthy();
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('lists unarchived conversations by updated_at descending, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await newConversation(`c${i}`));
      clock.advance(1000);
    }
    await call(`/conversations/${ids[2]}`, { method: 'PATCH', body: { archived: true } });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(`/conversations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        conversations: { conversation_id: string }[];
        metadata: { next_cursor: string | null };
      };
      expect(page.conversations.length).toBeLessThanOrEqual(2);
      seen.push(...page.conversations.map((c) => c.conversation_id));
      cursor = page.metadata.next_cursor;
      pages++;
    } while (cursor !== null);
    // ids[2] was archived last, so it is excluded; the rest newest first.
    expect(seen).toEqual([ids[4], ids[3], ids[1], ids[0]]);
    expect(pages).toBe(2);

    const archived = (await (await call('/conversations?archived=true')).json()) as {
      conversations: { conversation_id: string }[];
    };
    expect(archived.conversations.map((c) => c.conversation_id)).toEqual([ids[2]]);

    const all = (await (await call('/conversations')).json()) as {
      conversations: unknown[];
      metadata: { next_cursor: null };
    };
    expect(all.conversations).toHaveLength(4);
    expect(all.metadata.next_cursor).toBeNull();
  });

  it('rejects a bad cursor with 400 INVALID_CURSOR', async () => {
    for (const cursor of [
      'garbage',
      Buffer.from('{"v":1,"kind":"messages","scope":"x","at":0,"key":1}').toString('base64url'),
    ]) {
      const res = await call(`/conversations?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'INVALID_CURSOR', message: expect.any(String) } });
    }
  });

  it('clamps limit into 1..100', async () => {
    for (let i = 0; i < 3; i++) await newConversation();
    const zero = (await (await call('/conversations?limit=0')).json()) as { conversations: unknown[] };
    expect(zero.conversations).toHaveLength(1);
    const huge = (await (await call('/conversations?limit=1000')).json()) as { conversations: unknown[] };
    expect(huge.conversations).toHaveLength(3);
  });
});

describe('simulator auth on API paths', () => {
  it('answers 401 UNAUTHORIZED for a missing or unknown bearer', async () => {
    const headers = apiHeaders(sim.config);
    const { authorization: _omit, ...noAuth } = headers;
    for (const h of [
      noAuth,
      { ...headers, authorization: 'Bearer nope' },
      { ...headers, authorization: 'Basic abc' },
    ]) {
      const res = await call('/conversations', { headers: h });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-moveworks-root-uuid')).toBeTruthy();
      expect(await res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('answers 403 FORBIDDEN for a missing or wrong Assistant-Name', async () => {
    const headers = apiHeaders(sim.config);
    const { 'assistant-name': _omit, ...noName } = headers;
    for (const h of [noName, { ...headers, 'assistant-name': 'other-assistant' }]) {
      const res = await call('/conversations', { method: 'POST', body: {}, headers: h });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect(sim.stats().conversationsCreated).toBe(0);
  });

  it('accepts a configured static token and assistant name', async () => {
    sim.configure({ token: 'other-token', assistantName: 'acme-capi' });
    try {
      const res = await call('/conversations', {
        headers: apiHeaders({ token: 'other-token', assistantName: 'acme-capi' }),
      });
      expect(res.status).toBe(200);
    } finally {
      sim.reset({ config: true });
    }
  });
});
