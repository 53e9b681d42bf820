/**
 * Contract test of the HTTP gateway: its real answers (a gateway over real HTTP, the library, a worker, the
 * simulator and the shared Temporal dev server) must match gateway/openapi.json for their path, method and status,
 * every operation and every status the document declares must be seen, and the gateway serves nothing else.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createGateway, routes, type Gateway } from '../../gateway/server';
import { MwbatchClient } from '../../library';
import { expectedAnswer } from '../../simulator';
import { useForFile } from '../helpers/for-file';
import { callGateway, declaredStatuses, documentedOperations, exercised } from '../helpers/gateway';
import { useTestStack } from '../helpers/stack';

const stack = useTestStack({ simulator: { answerDelayMs: 200 } });
const TOKEN = 'contract-test-token-0123456789';

interface Served {
  url: string;
  gateway: Gateway;
  client: MwbatchClient;
}

async function serve(client: MwbatchClient): Promise<Served> {
  const gateway = createGateway({ client, token: TOKEN });
  const { port } = await gateway.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, gateway, client };
}

const live = useForFile(
  'a gateway over the test stack',
  () => serve(new MwbatchClient(stack.client, stack.taskQueue)),
  ({ gateway }) => gateway.close(),
);
// Nothing listens on port 1; no gRPC retries, so every call fails at once with UNAVAILABLE.
const down = useForFile(
  'a gateway whose Temporal is down',
  () =>
    serve(new MwbatchClient(new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }) }))),
  async ({ gateway, client }) => {
    await gateway.close();
    await client.temporal.connection.close();
  },
);

const newKey = (name: string) => `${name}-${randomUUID()}`;
const auth = { token: TOKEN };

describe('gateway OpenAPI contract', () => {
  it('serves exactly the operations the document lists', () => {
    expect(routes.map((r) => `${r.method} ${r.template}`).sort()).toEqual([...documentedOperations].sort());
  });

  it('POST /v1/questions: 200, 202, 400, 401, 409, 413, 415, 422, 503 as documented', async () => {
    const post = (key: string | undefined, body: unknown, extra = {}) =>
      callGateway(live.url, '/v1/questions?wait=20s', { ...auth, key, body, ...extra });
    const question = 'contract: a quick answer';
    const key = newKey('post');
    const answered = await post(key, { question });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({
      key,
      workflowId: `ask/${key}`,
      state: 'done',
      result: { status: 'COMPLETED' },
    });
    expect(answered.body.result.answer).toBe(expectedAnswer(question));
    expect(answered.headers.get('idempotent-replayed')).toBeNull();
    const replayed = await post(key, { question });
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(answered.body);

    const slowKey = newKey('post-slow');
    const pending = await callGateway(live.url, '/v1/questions', {
      ...auth,
      key: slowKey,
      body: { question: 'contract: slow [sim:delay=60000]' },
    });
    expect(pending.status).toBe(202);
    expect(pending.headers.get('location')).toBe(`/v1/questions/${slowKey}`);

    expect((await post(undefined, { question })).body.error.code).toBe('missing_idempotency_key');
    expect((await post('has space', { question })).body.error.code).toBe('invalid_idempotency_key');
    expect((await post(newKey('json'), undefined, { raw: '{"question": ' })).body.error.code).toBe('invalid_json');
    const badWait = await callGateway(live.url, '/v1/questions?wait=forever', {
      ...auth,
      key: newKey('wait'),
      body: { question },
    });
    expect(badWait).toMatchObject({ status: 400, body: { error: { code: 'invalid_wait' } } });
    expect((await post(key, { question }, { token: 'wrong-token' })).status).toBe(401);
    expect((await post(key, { question: 'contract: another question' })).status).toBe(409);
    const tooLarge = await post(newKey('large'), { question: 'x'.repeat(70_000) });
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const text = await post(newKey('text'), undefined, { raw: 'question=hi', contentType: 'text/plain' });
    expect(text.status).toBe(415);
    const invalid = await post(newKey('invalid'), { question: '', mode: 'fast', extra: 1 });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['', 'mode', 'question']);
    const unavailable = await callGateway(down.url, '/v1/questions', {
      ...auth,
      key: newKey('down'),
      body: { question },
    });
    expect(unavailable).toMatchObject({ status: 503, body: { error: { code: 'temporal_unavailable' } } });
  });

  it('GET and DELETE /v1/questions/{key}: 200, 202, 400, 401, 404, 503 as documented', async () => {
    const question = 'contract: answered, then read';
    const key = newKey('get');
    expect((await callGateway(live.url, '/v1/questions?wait=20s', { ...auth, key, body: { question } })).status).toBe(
      200,
    );
    const slowKey = newKey('get-slow');
    await callGateway(live.url, '/v1/questions', {
      ...auth,
      key: slowKey,
      body: { question: 'contract: never [sim:never]' },
    });

    for (const method of ['GET', 'DELETE']) {
      const call = (path: string, extra = {}) => callGateway(live.url, path, { method, ...auth, ...extra });
      expect((await call(`/v1/questions/${key}`)).body.result.answer).toBe(expectedAnswer(question));
      expect((await call(`/v1/questions/${newKey('unknown')}`)).status).toBe(404);
      expect((await call('/v1/questions/has%20space')).status).toBe(400);
      expect((await call(`/v1/questions/${key}`, { token: undefined })).status).toBe(401);
      expect((await callGateway(down.url, `/v1/questions/${key}`, { method, ...auth })).status).toBe(503);
    }
    expect((await callGateway(live.url, `/v1/questions/${key}?wait=2h`, auth)).status).toBe(400);
    expect((await callGateway(live.url, `/v1/questions/${slowKey}?wait=100ms`, auth)).status).toBe(202);
    const cancelling = await callGateway(live.url, `/v1/questions/${slowKey}`, { method: 'DELETE', ...auth });
    expect(cancelling.status).toBe(202);
    expect(cancelling.headers.get('location')).toBe(`/v1/questions/${slowKey}`);
    const cancelled = await callGateway(live.url, `/v1/questions/${slowKey}?wait=20s`, auth);
    expect(cancelled).toMatchObject({ status: 200, body: { result: { status: 'CANCELLED' } } });
  });

  it('/healthz (200, 503) and /openapi.json (200) need no token', async () => {
    expect((await callGateway(live.url, '/healthz')).body).toEqual({ status: 'ok' });
    expect((await callGateway(down.url, '/healthz')).status).toBe(503);
    const document = await callGateway(live.url, '/openapi.json');
    expect(document.body.paths['/v1/questions'].post.operationId).toBe('askQuestion');
  });

  it('saw every status the document declares for every operation', () => {
    for (const operation of documentedOperations) {
      expect([...(exercised.get(operation) ?? [])].sort(), operation).toEqual(declaredStatuses(operation));
    }
  });
});
