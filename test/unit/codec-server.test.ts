import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type CodecServer, type CodecServerOptions } from '../../codec/codec-server';
import { keyIdOf, singleKeySet } from '../../codec/keys';
import { runCodecServerCli } from '../../codec/main';
import { ConfigError } from '../../common/errors';

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** A payload as the Web UI and the CLI send it: proto3 JSON, bytes as base64. */
function jsonPayload(value: unknown): JsonPayload {
  const payload = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

let server: CodecServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<CodecServerOptions> = {}) {
  server = await startCodecServer({ keys: singleKeySet(randomBytes(32)), port: 0, ...options });
  return server;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server!.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('codec server', () => {
  it('encodes and decodes payloads over HTTP', async () => {
    const key = randomBytes(32);
    await start({ keys: singleKeySet(key) });
    const plain = jsonPayload({ question: 'Who approves travel to Osaka?' });
    const encoded = await post('/encode', { payloads: [plain] });
    expect(encoded.status).toBe(200);
    const { payloads } = (await encoded.json()) as { payloads: JsonPayload[] };
    expect(unb64(payloads[0]!.metadata?.encoding)).toBe('binary/encrypted');
    expect(unb64(payloads[0]!.metadata?.['encryption-key-id'])).toBe(keyIdOf(key));
    expect(unb64(payloads[0]!.data)).not.toContain('Osaka');

    const decoded = await post('/decode', { payloads: [...payloads, plain] });
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual({ payloads: [plain, plain] });
  });

  it('answers a decode it cannot do with 400 naming the key id', async () => {
    await start();
    const foreign = { metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('0badc0de') }, data: '' };
    const res = await post('/decode', { payloads: [foreign] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('0badc0de');
  });

  it('answers the Web UI preflight for its origin only', async () => {
    await start();
    const preflight = (origin: string) =>
      fetch(`${server!.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    const ok = await preflight('http://localhost:8233');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toBe('Content-Type, X-Namespace, Authorization');

    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const res = await post('/decode', { payloads: [] }, { Origin: 'http://localhost:8233' });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
  });

  it('allows the configured origins instead of the default', async () => {
    await start({ corsOrigins: ['https://temporal.internal'] });
    expect((await post('/decode', { payloads: [] }, { Origin: 'https://temporal.internal' })).status).toBe(200);
    expect((await post('/decode', { payloads: [] }, { Origin: 'http://localhost:8233' })).status).toBe(403);
  });

  it('rejects malformed requests', async () => {
    await start();
    expect((await post('/decode', '{not json')).status).toBe(400);
    expect((await post('/decode', { payload: [] })).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '@@not base64@@' }] })).status).toBe(400);
    expect((await post('/compress', { payloads: [] })).status).toBe(404);
    expect((await fetch(`${server!.url}/decode`)).status).toBe(405);
  });

  it('wants the bearer token when one is configured', async () => {
    await start({ authToken: 'codec-token' });
    expect((await post('/decode', { payloads: [] })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { Authorization: 'Bearer codec-token' })).status).toBe(200);
  });

  it('refuses to listen beyond loopback without a bearer token, naming MWBATCH_CODEC_AUTH_TOKEN', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const refused = await start({ host }).catch((e: unknown) => e);
      expect(refused, host).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).exitCode).toBe(2);
      expect((refused as ConfigError).message).toContain('MWBATCH_CODEC_AUTH_TOKEN');
      expect((refused as ConfigError).message).toContain(host);
    }
    await start({ host: '0.0.0.0', authToken: 'codec-token' });
    expect((await fetch(`${server!.url.replace('0.0.0.0', '127.0.0.1')}/decode`, { method: 'POST' })).status).toBe(401);
  });

  it('listens on loopback without a token', async () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      await start({ host });
      expect((await post('/decode', { payloads: [] })).status, host).toBe(200);
      await server!.close();
      server = undefined;
    }
  });

  it("refuses the origin '*' together with a bearer token, and lets no page send credentials to a '*' server", async () => {
    const refused = await start({ corsOrigins: ['*'], authToken: 'codec-token' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toMatch(/--cors-origin '\*'.*MWBATCH_CODEC_AUTH_TOKEN/s);

    await start({ corsOrigins: ['*'] });
    const res = await post('/decode', { payloads: [] }, { Origin: 'https://any.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://any.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('runCodecServerCli', () => {
  it('starts with the key from the environment and says where to point the Web UI', async () => {
    const lines: string[] = [];
    const env = { MWBATCH_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    server = await runCodecServerCli(['--port', '0'], { env, print: (l) => lines.push(l), handleSignals: false });
    expect(server).toBeDefined();
    expect(lines[0]).toBe(
      `Codec server on ${server!.url} (point the Web UI at it: temporal server start-dev --ui-codec-endpoint ${server!.url})`,
    );
    expect((await post('/decode', { payloads: [] })).status).toBe(200);
  });

  it('exits 2 with a clear message without a key or with a bad port', async () => {
    const noKey = await runCodecServerCli(['--port', '0'], { env: {}, handleSignals: false }).catch((e: unknown) => e);
    expect(noKey).toBeInstanceOf(ConfigError);
    expect((noKey as ConfigError).exitCode).toBe(2);
    expect((noKey as ConfigError).message).toMatch(/MWBATCH_ENCRYPTION_KEY/);

    const env = { MWBATCH_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const badPort = await runCodecServerCli(['--port', 'x'], { env, handleSignals: false }).catch((e: unknown) => e);
    expect(badPort).toBeInstanceOf(ConfigError);
    expect((badPort as ConfigError).message).toMatch(/port/);
  });

  it('exits 2 on --host 0.0.0.0 without MWBATCH_CODEC_AUTH_TOKEN, or on --cors-origin * with it', async () => {
    const key = randomBytes(32).toString('base64');
    const run = (argv: string[], env: NodeJS.ProcessEnv) =>
      runCodecServerCli(['--port', '0', ...argv], { env, handleSignals: false }).catch((e: unknown) => e);

    const exposed = await run(['--host', '0.0.0.0'], { MWBATCH_ENCRYPTION_KEY: key });
    expect(exposed).toBeInstanceOf(ConfigError);
    expect((exposed as ConfigError).message).toMatch(/0\.0\.0\.0.*MWBATCH_CODEC_AUTH_TOKEN/s);

    const env = { MWBATCH_ENCRYPTION_KEY: key, MWBATCH_CODEC_AUTH_TOKEN: 'codec-token' };
    const wildcard = await run(['--cors-origin', '*'], env);
    expect(wildcard).toBeInstanceOf(ConfigError);
    expect((wildcard as ConfigError).exitCode).toBe(2);
    expect((wildcard as ConfigError).message).not.toContain('codec-token');

    server = (await run(['--host', '0.0.0.0'], env)) as CodecServer;
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
  });
});
