/** The simulator's token endpoint (client credentials, token expiry by simulator time) and its rate limit. */
import { describe, expect, it } from 'vitest';
import { apiHeaders, manualClock, simulatorApi, useSimulator, type Json } from '../helpers/simulator';

const clock = manualClock();
const sim = useSimulator({ clock });
const api = simulatorApi(sim);

function requestToken(body: string, contentType: string): Promise<Response> {
  return fetch(sim.tokenUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
}

const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const goodFields = { client_id: 'sim-client', client_secret: 'sim-secret', grant_type: 'client_credentials' };
const listWith = (token: string) =>
  api.call('/conversations', { headers: apiHeaders({ token, assistantName: sim.config.assistantName }) });

describe('simulator token endpoint', () => {
  it('issues a wrapped token for form or JSON client credentials, usable as a bearer', async () => {
    for (const [body, type] of [
      [formBody(goodFields), 'application/x-www-form-urlencoded'],
      [JSON.stringify(goodFields), 'application/json'],
    ] as const) {
      const res = await requestToken(body, type);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-moveworks-root-uuid')).toBeTruthy();
      const json = (await res.json()) as Json;
      expect(json).toEqual({
        data: { access_token: expect.stringMatching(/^mwt_/), expires_in: 3600, token_type: 'Bearer' },
      });
      expect((await listWith(json.data.access_token)).status).toBe(200);
    }
  });

  it('answers the flat shape when configured', async () => {
    sim.configure({ tokenResponseShape: 'flat', tokenTtlSeconds: 60 });
    const json = (await (await requestToken(formBody(goodFields), 'application/x-www-form-urlencoded')).json()) as Json;
    expect(json).toEqual({ access_token: expect.stringMatching(/^mwt_/), expires_in: 60, token_type: 'Bearer' });
  });

  it('rejects a wrong client with 401 and a bad grant or missing fields with 400', async () => {
    const wrong = await requestToken(
      formBody({ ...goodFields, client_secret: 'nope' }),
      'application/x-www-form-urlencoded',
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ code: expect.any(String), message: expect.any(String) });
    const grant = await requestToken(JSON.stringify({ ...goodFields, grant_type: 'password' }), 'application/json');
    expect(grant.status).toBe(400);
    const missing = await requestToken(JSON.stringify({ client_id: 'sim-client' }), 'application/json');
    expect(missing.status).toBe(400);
  });

  it('expires issued tokens after tokenTtlSeconds of simulator time', async () => {
    sim.configure({ tokenTtlSeconds: 60 });
    const json = (await (await requestToken(formBody(goodFields), 'application/x-www-form-urlencoded')).json()) as Json;
    const token = json.data.access_token as string;
    clock.advance(59_999);
    expect((await listWith(token)).status).toBe(200);
    clock.advance(1);
    const expired = await listWith(token);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as Json).error.code).toBe('UNAUTHORIZED');
    // The static token never expires.
    expect((await listWith(sim.config.token)).status).toBe(200);
  });

  it('is neither rate limited nor faulted', async () => {
    sim.configure({ rateLimit: { rps: 1, burst: 1 }, rate429: 1, rate5xx: 1, hangRate: 1, malformedJsonRate: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await requestToken(formBody(goodFields), 'application/x-www-form-urlencoded')).status).toBe(200);
    }
  });
});

describe('simulator rate limit', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After seconds once the bucket is empty', async () => {
    sim.configure({ rateLimit: { rps: 0.5, burst: 2 } });
    expect((await listWith('sim-token')).status).toBe(200);
    expect((await listWith('sim-token')).status).toBe(200);
    const limited = await listWith('sim-token');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-moveworks-root-uuid')).toBeTruthy();
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: expect.any(String) } });
    expect(sim.requests().at(-1)).toMatchObject({ status: 429, retryAfterMs: 2000 });

    clock.advance(1000); // half a token: still limited, one more second to wait
    const half = await listWith('sim-token');
    expect(half.status).toBe(429);
    expect(half.headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await listWith('sim-token')).status).toBe(200);
  });

  it('rounds Retry-After up to at least one second', async () => {
    sim.configure({ rateLimit: { rps: 10, burst: 1 } });
    await listWith('sim-token');
    const limited = await listWith('sim-token');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('sends Retry-After as an HTTP-date or not at all, per config', async () => {
    sim.configure({ rateLimit: { rps: 0.2, burst: 1 }, retryAfter: 'http-date' });
    await listWith('sim-token');
    const dated = await listWith('sim-token');
    expect(dated.status).toBe(429);
    expect(dated.headers.get('retry-after')).toBe(new Date(clock() + 5000).toUTCString());

    sim.configure({ retryAfter: 'none' });
    const bare = await listWith('sim-token');
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(sim.requests().at(-1)?.retryAfterMs).toBeUndefined();
  });

  it('limits all API requests together, but not unauthenticated ones or admin calls', async () => {
    sim.configure({ rateLimit: { rps: 1, burst: 1 } });
    expect((await listWith('wrong-token')).status).toBe(401);
    expect((await fetch(`${sim.origin}/_sim/health`)).status).toBe(200);
    expect((await listWith('sim-token')).status).toBe(200);
    const create = await api.call('/conversations', { method: 'POST', body: '{}' });
    expect(create.status).toBe(429);
  });
});
