/** Client-credentials tokens: issue, refresh, share one request, and never show the secret. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ClientCredentialsAuth,
  DEFAULT_MAX_RESPONSE_BYTES,
  MalformedResponseError,
  ResponseTooLargeError,
  StaticTokenAuth,
} from '../../moveworks';
import { sendJson, startServer } from './moveworks-fixture';

const SECRET = 'cs_super_secret_value_42';

/** A token endpoint that issues tok-1, tok-2, ... with the given lifetime and body shape. */
function tokenServer(opts: { expiresIn?: number | string; wrapped?: boolean } = {}) {
  let issued = 0;
  return startServer((_req, res) => {
    issued++;
    const token = { access_token: `tok-${issued}`, expires_in: opts.expiresIn ?? 60, token_type: 'Bearer' };
    sendJson(res, 200, opts.wrapped ? { data: token } : token);
  });
}

function auth(url: string, clock: { now: number }, extra: { refreshMarginMs?: number } = {}) {
  return new ClientCredentialsAuth({
    tokenUrl: `${url}/oauth/v1/token`,
    clientId: 'client-1',
    clientSecret: SECRET,
    now: () => clock.now,
    ...extra,
  });
}

describe('ClientCredentialsAuth', () => {
  it('posts a form-encoded client_credentials grant and reads an unwrapped token', async () => {
    const srv = await tokenServer();
    const token = await auth(srv.url, { now: 0 }).getToken();
    expect(token).toBe('tok-1');
    const [req] = srv.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/oauth/v1/token');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: SECRET,
    });
  });

  it('reads a token wrapped in data, with expires_in as a string', async () => {
    const srv = await tokenServer({ wrapped: true, expiresIn: '3600' });
    const clock = { now: 0 };
    const provider = auth(srv.url, clock);
    expect(await provider.getToken()).toBe('tok-1');
    clock.now = 3_600_000 - 720_001; // 20% margin of an hour is 720 s
    expect(await provider.getToken()).toBe('tok-1');
    expect(srv.requests).toHaveLength(1);
  });

  it('caches the token and refreshes it once less than max(5 s, 20%) of its lifetime remains', async () => {
    const srv = await tokenServer({ expiresIn: 60 });
    const clock = { now: 1_000_000 };
    const provider = auth(srv.url, clock);
    expect(await provider.getToken()).toBe('tok-1');
    clock.now += 47_999; // 60 s lifetime, 12 s margin: refresh from 48 s on
    expect(await provider.getToken()).toBe('tok-1');
    expect(srv.requests).toHaveLength(1);
    clock.now += 1;
    expect(await provider.getToken()).toBe('tok-2');
    expect(srv.requests).toHaveLength(2);
  });

  it('honours refreshMarginMs and still reuses very short-lived tokens', async () => {
    const srv = await tokenServer({ expiresIn: 4 });
    const clock = { now: 0 };
    const provider = auth(srv.url, clock, { refreshMarginMs: 10_000 });
    await provider.getToken();
    clock.now = 1_999; // the margin is capped at half the 4 s lifetime
    await provider.getToken();
    expect(srv.requests).toHaveLength(1);
    clock.now = 2_000;
    expect(await provider.getToken()).toBe('tok-2');
  });

  it('shares one in-flight request between concurrent callers', async () => {
    const srv = await tokenServer();
    const provider = auth(srv.url, { now: 0 });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));
    expect(tokens).toEqual(Array(5).fill('tok-1'));
    expect(srv.requests).toHaveLength(1);
    const forced = await Promise.all([
      provider.getToken({ forceRefresh: true }),
      provider.getToken({ forceRefresh: true }),
    ]);
    expect(forced).toEqual(['tok-2', 'tok-2']);
    expect(await provider.getToken()).toBe('tok-2');
    expect(srv.requests).toHaveLength(2);
  });

  it('keeps using a still-valid token when an early refresh fails', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      if (calls === 1) sendJson(res, 200, { access_token: 'tok-1', expires_in: 60 });
      else sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'down' });
    });
    const clock = { now: 0 };
    const provider = auth(server.url, clock);
    await provider.getToken();
    clock.now = 50_000; // inside the refresh window, not yet expired
    expect(await provider.getToken()).toBe('tok-1');
    clock.now = 60_000;
    await expect(provider.getToken()).rejects.toMatchObject({ name: 'ServerError', status: 500 });
  });

  it('maps token endpoint errors and never shows the secret, even when the server echoes it', async () => {
    const server = await startServer((req, res) => {
      const echoed = req.body; // contains client_secret=...
      if (req.query.get('mode') === 'grant') {
        sendJson(res, 400, { code: 'UNSUPPORTED_GRANT_TYPE', message: `bad request: ${echoed}` });
      } else if (req.query.get('mode') === 'garbage') {
        res.end(`not json ${echoed}`);
      } else {
        sendJson(res, 401, { error: 'invalid_client', error_description: `unknown client, got ${SECRET}` });
      }
    });
    const make = (mode: string) =>
      new ClientCredentialsAuth({ tokenUrl: `${server.url}/token?mode=${mode}`, clientId: 'c', clientSecret: SECRET });
    const failures = await Promise.all(
      ['invalid', 'grant', 'garbage'].map((mode) =>
        make(mode)
          .getToken()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      ),
    );
    expect(failures[0]).toBeInstanceOf(AuthenticationError);
    expect(failures[0]).toMatchObject({ status: 401, code: 'invalid_client' });
    expect(failures[1]).toBeInstanceOf(BadRequestError);
    expect(failures[2]).toBeInstanceOf(MalformedResponseError);
    for (const err of failures) {
      expect(String(err)).not.toContain(SECRET);
      expect(JSON.stringify(err)).not.toContain(SECRET);
      expect(inspect(err)).not.toContain(SECRET);
      expect(inspect(err)).not.toContain(encodeURIComponent(SECRET));
    }
  });

  it('does not reveal the secret or the token through toString, JSON or inspect', async () => {
    const srv = await tokenServer();
    const provider = auth(srv.url, { now: 0 });
    const token = await provider.getToken();
    const statics = new StaticTokenAuth('static-token-value');
    for (const shown of [String(provider), JSON.stringify(provider), inspect(provider), inspect({ auth: provider })]) {
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(token);
    }
    for (const shown of [String(statics), JSON.stringify(statics), inspect(statics)]) {
      expect(shown).not.toContain('static-token-value');
    }
    expect(statics.canRefresh).toBe(false);
    expect(provider.canRefresh).toBe(true);
  });

  it('lets one caller give up without failing the shared request', async () => {
    let release: (() => void) | undefined;
    let arrived: (() => void) | undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startServer((_req, res) => {
      release = () => sendJson(res, 200, { access_token: 'tok-slow', expires_in: 60 });
      arrived?.();
    });
    const provider = auth(server.url, { now: 0 });
    const impatient = new AbortController();
    const first = provider.getToken({ signal: impatient.signal });
    const second = provider.getToken();
    await requestArrived;
    impatient.abort(new Error('caller gave up'));
    await expect(first).rejects.toThrow('caller gave up');
    release?.();
    expect(await second).toBe('tok-slow');
  });
});

describe('ClientCredentialsAuth body size cap', () => {
  it('stops reading a token body past DEFAULT_MAX_RESPONSE_BYTES instead of waiting for its end', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"access_token":"${'t'.repeat(DEFAULT_MAX_RESPONSE_BYTES)}`); // and never ends
    });
    const provider = new ClientCredentialsAuth({
      tokenUrl: `${server.url}/oauth/v1/token`,
      clientId: 'client-1',
      clientSecret: SECRET,
      timeoutMs: 5_000,
    });
    const err = await provider.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toBe(
      `POST ${server.url}/oauth/v1/token: token response body exceeds the size limit of 8 MiB`,
    );
  });
});
