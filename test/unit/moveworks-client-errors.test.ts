/** The Moveworks client's errors: each HTTP failure's class, timeouts and aborts, 401 refresh, body size cap. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ClientCredentialsAuth,
  ConnectionError,
  ForbiddenError,
  isRetryable,
  MalformedResponseError,
  MoveworksClient,
  NotFoundError,
  RequestTimeoutError,
  ResponseTooLargeError,
  ServerError,
  StaticTokenAuth,
  DEFAULT_LIMITS,
  type AuthProvider,
} from '../../moveworks';
import { waitFor } from '../helpers/wait';
import { apiError, clientFor, conversation, sendJson, startServer, TOKEN } from './moveworks-fixture';

/** Resolves with the error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

describe('MoveworksClient errors', () => {
  it.each([
    [400, 'INVALID_INPUT', 'BadRequestError'],
    [401, 'UNAUTHORIZED', 'AuthenticationError'],
    [403, 'FORBIDDEN', 'ForbiddenError'],
    [404, 'NOT_FOUND', 'NotFoundError'],
    [429, 'RATE_LIMIT_EXCEEDED', 'RateLimitError'],
    [500, 'INTERNAL_ERROR', 'ServerError'],
  ])('maps %i to %s with code, root uuid and Retry-After', async (status, code, name) => {
    const { client, srv } = await clientFor((_req, res) =>
      apiError(res, status, code, 'Invalid assistant', { 'x-moveworks-root-uuid': '1234', 'retry-after': '7' }),
    );
    const err = await failure(client.createResponse('conv_x', { text: 'q' }));
    expect(err).toMatchObject({ name, status, code, rootUuid: '1234', retryAfterMs: 7000 });
    expect(err.message).toBe(
      `POST /conversations/conv_x/responses: ${status} ${code} Invalid assistant (root uuid 1234)`,
    );
    expect(srv.requests).toHaveLength(1); // the client never retries on its own (a static token cannot refresh)
    expect(isRetryable(err)).toBe(status === 429 || status === 500);
  });

  it('tolerates non-JSON error bodies and rejects malformed 2xx bodies', async () => {
    const { client } = await clientFor((req, res) => {
      if (req.path.endsWith('/c1')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html>Bad gateway</html>');
      }
      if (req.path.endsWith('/c2')) return res.end('{"conversation_id": tru');
      sendJson(res, 200, { conversation_id: 'c3' });
    });
    const gateway = await failure(client.getConversation('c1'));
    expect(gateway).toBeInstanceOf(ServerError);
    expect(gateway.message).toContain('502 Bad Gateway (body: <html>Bad gateway</html>)');
    const notJson = await failure(client.getConversation('c2'));
    expect(notJson).toBeInstanceOf(MalformedResponseError);
    expect(notJson).toMatchObject({ status: 200, snippet: '{"conversation_id": tru' });
    const wrongShape = await failure(client.getConversation('c3'));
    expect(wrongShape).toBeInstanceOf(MalformedResponseError);
    expect(wrongShape.message).toMatch(/created_at/);
  });

  it('never puts the bearer token in an error, even when the server echoes it', async () => {
    const { client } = await clientFor((req, res) => {
      const echoed = req.headers.authorization ?? '';
      if (req.path.endsWith('/a')) return apiError(res, 400, 'INVALID_INPUT', `rejected ${echoed}`);
      if (req.path.endsWith('/b')) return res.writeHead(500).end(`crash with ${echoed}`);
      res.end(`not json: ${echoed}`);
    });
    const errors = await Promise.all(['a', 'b', 'c'].map((id) => failure(client.getConversation(id))));
    for (const err of errors) {
      for (const shown of [err.message, String(err), JSON.stringify(err), inspect(err), err.stack ?? '']) {
        expect(shown).not.toContain(TOKEN);
      }
    }
    expect(errors[0]?.message).toContain('[REDACTED]');
  });

  it('surfaces connection failures as retryable ConnectionError', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const client = new MoveworksClient({ baseUrl: url, assistantName: 'a', auth: new StaticTokenAuth(TOKEN) });
    const err = await failure(client.getConversation('c'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(err.message).toMatch(/^GET \/conversations\/c: fetch failed/);
    expect(isRetryable(err)).toBe(true);
  });
});

describe('MoveworksClient timeouts and aborts', () => {
  it('fails with RequestTimeoutError when the server never answers', async () => {
    const { client } = await clientFor(() => undefined, { timeoutMs: 200 });
    const err = await failure(client.getConversation('c'));
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toBe('GET /conversations/c: no answer within 200 ms');
    expect(isRetryable(err)).toBe(true);
    const override = await failure(client.getConversation('c', { timeoutMs: 50 }));
    expect(override.message).toContain('within 50 ms');
  });

  it("surfaces the caller's abort reason, not a timeout", async () => {
    const { client, srv } = await clientFor(() => undefined, { timeoutMs: 10_000 });
    const controller = new AbortController();
    const arrived = srv.nextRequest();
    const pending = failure(client.getConversation('c', { signal: controller.signal }));
    await arrived;
    const reason = new Error('workflow cancelled');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    const preAborted = await failure(client.getConversation('c', { signal: AbortSignal.abort() }));
    expect(preAborted.name).toBe('AbortError');
  });
});

describe('MoveworksClient 401 handling', () => {
  async function stack(apiHandler: (token: string | undefined) => 'ok' | 'deny') {
    let issued = 0;
    const server = await startServer((req, res) => {
      if (req.path === '/oauth/v1/token') {
        issued++;
        return sendJson(res, 200, { data: { access_token: `tok-${issued}-${'x'.repeat(12)}`, expires_in: 3600 } });
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (apiHandler(token) === 'deny')
        return apiError(res, 401, 'UNAUTHORIZED', 'The bearer token is invalid or expired.');
      sendJson(res, 200, conversation('conv_1'));
    });
    const auth = new ClientCredentialsAuth({
      tokenUrl: `${server.url}/oauth/v1/token`,
      clientId: 'id',
      clientSecret: 'secret-xyz',
    });
    const client = new MoveworksClient({ baseUrl: `${server.url}/rest/v1beta1`, assistantName: 'a', auth });
    return { client, srv: server };
  }

  it('refreshes the token once and retries the request', async () => {
    const { client, srv } = await stack((token) => (token?.startsWith('tok-1-') ? 'deny' : 'ok'));
    expect((await client.getConversation('conv_1')).conversation_id).toBe('conv_1');
    expect(srv.requests.map((r) => r.path)).toEqual([
      '/oauth/v1/token',
      '/rest/v1beta1/conversations/conv_1',
      '/oauth/v1/token',
      '/rest/v1beta1/conversations/conv_1',
    ]);
  });

  it('gives up with AuthenticationError after a second 401', async () => {
    const { client, srv } = await stack(() => 'deny');
    const err = await failure(client.getConversation('conv_1'));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(srv.requests.filter((r) => r.path.startsWith('/rest'))).toHaveLength(2);
  });

  it('does not retry a 401 when the provider cannot refresh', async () => {
    let calls = 0;
    const auth: AuthProvider = {
      canRefresh: false,
      getToken: async () => {
        calls++;
        return TOKEN;
      },
    };
    const { client, srv } = await clientFor((_req, res) => apiError(res, 401, 'UNAUTHORIZED', 'no'), { auth });
    expect(await failure(client.getConversation('c'))).toBeInstanceOf(AuthenticationError);
    expect(srv.requests).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('keeps other failures as they are (no retry on 403/404)', async () => {
    const { client, srv } = await clientFor((req, res) =>
      req.path.endsWith('/gone')
        ? apiError(res, 404, 'NOT_FOUND', 'nope')
        : apiError(res, 403, 'FORBIDDEN', 'Invalid assistant'),
    );
    expect(await failure(client.getConversation('gone'))).toBeInstanceOf(NotFoundError);
    expect(await failure(client.getConversation('c'))).toBeInstanceOf(ForbiddenError);
    expect(await failure(client.listConversations().toArray())).toBeInstanceOf(ForbiddenError);
    expect(srv.requests).toHaveLength(3);
  });
});

describe('MoveworksClient body size cap', () => {
  const CAP = 64 * 1024;

  it('stops reading a JSON body past maxResponseBytes and closes the connection, without waiting for its end', async () => {
    let closed = false;
    const { client } = await clientFor(
      (_req, res) => {
        res.on('close', () => (closed = true));
        res.writeHead(200, { 'content-type': 'application/json', 'x-moveworks-root-uuid': 'root-big' });
        // More than the cap, then the body never ends: only a reader that stops at the cap can answer.
        res.write(`{"conversation_id":"c","padding":"${'x'.repeat(CAP)}`);
      },
      { maxResponseBytes: CAP, timeoutMs: 3_000 },
    );
    const err = await failure(client.getResponse('conv_x', 'resp_y'));
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err.message).toBe(
      'GET /conversations/conv_x/responses/resp_y: response body exceeds the size limit of 64 KiB',
    );
    expect(err).toMatchObject({ kind: 'too_large', status: 200, rootUuid: 'root-big', limit: CAP, unit: 'bytes' });
    expect(isRetryable(err)).toBe(false);
    await waitFor('the server to see the connection closed', () => closed, 5_000);
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    const body = JSON.stringify(conversation('conv_1'));
    const { client } = await clientFor((_req, res) => res.end(body.padEnd(CAP, ' ')), { maxResponseBytes: CAP });
    expect((await client.getConversation('conv_1')).conversation_id).toBe('conv_1');
  });

  it('cuts an error body at the cap and still reports the status', async () => {
    const { client } = await clientFor(
      (_req, res) => {
        res.writeHead(503, { 'content-type': 'text/html' });
        res.write(`<html>${'x'.repeat(CAP)}`); // and never ends
      },
      { maxResponseBytes: CAP, timeoutMs: 3_000 },
    );
    const err = await failure(client.getConversation('c'));
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toMatch(/^GET \/conversations\/c: 503 Service Unavailable \(body: <html>x+…\)$/);
    expect(isRetryable(err)).toBe(true);
  });

  it('applies the defaults and rejects caps that are not positive whole numbers', async () => {
    const { client } = await clientFor(() => undefined);
    expect(client.limits).toEqual({
      maxResponseBytes: 8 * 1024 * 1024,
      maxStreamLineLength: 4 * 1024 * 1024,
      maxAnswerBytes: 512 * 1024,
    });
    expect(client.limits).toEqual(DEFAULT_LIMITS);
    const options = { baseUrl: 'http://127.0.0.1:1', assistantName: 'a', auth: new StaticTokenAuth(TOKEN) };
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new MoveworksClient({ ...options, maxStreamLineLength: bad })).toThrow(
        `MoveworksClient: maxStreamLineLength must be a positive whole number, got ${bad}`,
      );
    }
  });
});
