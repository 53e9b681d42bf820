/** The Moveworks client's requests (headers, paths, bodies) and its pagination, against a real HTTP server. */
import { describe, expect, it } from 'vitest';
import { apiError, assistantMessage, clientFor, conversation, response, sendJson, TOKEN } from './moveworks-fixture';

describe('MoveworksClient requests', () => {
  it('sends the documented headers, paths and bodies', async () => {
    const { client, srv } = await clientFor(
      (req, res) => {
        if (req.method === 'POST' && req.path.endsWith('/conversations')) sendJson(res, 201, conversation('conv_1'));
        else if (req.path.endsWith('/responses')) sendJson(res, 202, response('CREATED'));
        else if (req.method === 'PATCH') sendJson(res, 200, conversation('conv_1', { title: 'T', archived: true }));
        else if (req.path.endsWith('/feedback')) sendJson(res, 200, { status: 'SUBMITTED' });
        else if (req.path.endsWith('/resp_1/messages')) sendJson(res, 200, { messages: [assistantMessage('m', 'hi')] });
        else sendJson(res, 200, response('IN_PROGRESS'));
      },
      { userAgent: 'unit-test/1' },
    );

    expect((await client.createConversation()).conversation_id).toBe('conv_1');
    expect((await client.createResponse('conv 1/x', { text: 'Héllo?' })).status).toBe('CREATED');
    expect((await client.updateConversation('conv_1', { title: 'T', archived: true })).archived).toBe(true);
    expect((await client.getResponse('conv_1', 'resp_1')).status).toBe('IN_PROGRESS');
    expect((await client.listResponseMessages('conv_1', 'resp_1'))[0]?.message_id).toBe('m');
    expect(await client.submitFeedback('conv_1', 'resp_1', 'msg_1', { callback_id: 'cb' })).toEqual({
      status: 'SUBMITTED',
    });

    const [create, respond, patch, get, messages, feedback] = srv.requests;
    expect(create).toMatchObject({ method: 'POST', path: '/rest/v1beta1/conversations', body: '{}' });
    expect(create?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'assistant-name': 'acme-capi',
      'content-type': 'application/json',
      'user-agent': 'unit-test/1',
    });
    expect(respond?.path).toBe('/rest/v1beta1/conversations/conv%201%2Fx/responses');
    expect(JSON.parse(respond?.body ?? '')).toEqual({ input: { text: 'Héllo?' } });
    expect(patch).toMatchObject({ method: 'PATCH', body: '{"title":"T","archived":true}' });
    expect(get).toMatchObject({ method: 'GET', path: '/rest/v1beta1/conversations/conv_1/responses/resp_1', body: '' });
    expect(get?.headers['content-type']).toBeUndefined();
    expect(get?.headers['assistant-name']).toBe('acme-capi');
    expect(messages?.path).toBe('/rest/v1beta1/conversations/conv_1/responses/resp_1/messages');
    expect(feedback?.path).toBe('/rest/v1beta1/conversations/conv_1/responses/resp_1/messages/msg_1/feedback');
    expect(JSON.parse(feedback?.body ?? '')).toEqual({ callback_id: 'cb' });
  });

  it('reports unknown enum values and keeps extra fields', async () => {
    const seen: Array<[string, string]> = [];
    const { client } = await clientFor(
      (_req, res) =>
        sendJson(res, 200, response('PAUSED', { shiny: 1, outputs: [{ type: 'TOOL_CALL', tool_call: {} }] })),
      { onUnknown: (what, value) => seen.push([what, value]) },
    );
    const r = await client.getResponse('conv_1', 'resp_1');
    expect(r.status).toBe('PAUSED');
    expect(r.shiny).toBe(1);
    expect(seen).toEqual([
      ['Response.status', 'PAUSED'],
      ['OutputItem.type', 'TOOL_CALL'],
    ]);
  });
});

describe('MoveworksClient pagination', () => {
  it('iterates items across three pages and stops on a null cursor', async () => {
    const pages: Record<string, { ids: string[]; next: string | null }> = {
      '': { ids: ['c1', 'c2'], next: 'cur2' },
      cur2: { ids: ['c3'], next: 'cur3' },
      cur3: { ids: ['c4', 'c5'], next: null },
    };
    const { client, srv } = await clientFor((req, res) => {
      const page = pages[req.query.get('cursor') ?? ''];
      if (!page) return apiError(res, 400, 'INVALID_CURSOR', 'bad cursor');
      sendJson(res, 200, {
        conversations: page.ids.map((id) => conversation(id)),
        metadata: { next_cursor: page.next },
      });
    });
    const ids: string[] = [];
    for await (const c of client.listConversations({ limit: 50, archived: true })) ids.push(c.conversation_id);
    expect(ids).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(srv.requests.map((r) => r.query.toString())).toEqual([
      'archived=true&limit=50',
      'archived=true&limit=50&cursor=cur2',
      'archived=true&limit=50&cursor=cur3',
    ]);
    const sizes: number[] = [];
    for await (const page of client.listConversations().pages()) sizes.push(page.items.length);
    expect(sizes).toEqual([2, 1, 2]);
    expect(await client.listConversations().toArray(3)).toHaveLength(3);
  });

  it('stops on an absent or empty cursor and names the event bounds as the API does', async () => {
    const { client, srv } = await clientFor((req, res) => {
      if (req.path.endsWith('/messages')) {
        return sendJson(res, 200, { messages: [assistantMessage('m2', 'b'), assistantMessage('m1', 'a')] });
      }
      sendJson(res, 200, {
        events: [{ event_id: 'evt_2', conversation_id: 'conv_1', event_payload: { type: 'MESSAGE_EVENT' } }],
        metadata: { next_cursor: '' },
      });
    });
    const messages = await client.listConversationMessages('conv_1', { limit: 2 }).toArray();
    expect(messages.map((m) => m.message_id)).toEqual(['m2', 'm1']);
    const events = await client
      .listConversationEvents('-', { startingAfter: 'evt_1', endingAt: 'evt_9', limit: 5 })
      .toArray();
    expect(events.map((e) => e.event_id)).toEqual(['evt_2']);
    expect(srv.requests[1]?.path).toBe('/rest/v1beta1/conversations/-/events');
    expect(srv.requests[1]?.query.toString()).toBe('starting_after=evt_1&ending_at=evt_9&limit=5');
  });
});
