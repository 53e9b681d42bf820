/**
 * Temporal's remote codec protocol over HTTP, so the Web UI (`--ui-codec-endpoint`) and the CLI
 * (`temporal workflow show --codec-endpoint`) can show decrypted payloads. POST /encode and POST /decode take and
 * answer `{ "payloads": [...] }`; the X-Namespace header is accepted and ignored (one key set for every namespace).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { ConfigError } from '../common/errors';
import { isLoopbackHost } from '../config/loopback';
import { EncryptionCodec } from './encryption-codec';
import type { KeySet } from './keys';
import { payloadFromJson, payloadsBodySchema, payloadToJson } from './payload-json';

export const DEFAULT_CODEC_PORT = 8888;
export const DEFAULT_CODEC_HOST = '127.0.0.1';
/** The Web UI of `temporal server start-dev`, by either name. */
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/** The CLI may send a whole history at once. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface CodecServerOptions {
  keys: KeySet;
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Browser origins allowed to call the server; `*` allows any (then without a token, and never with cookies). */
  corsOrigins?: string[];
  /** When set, requests need `Authorization: Bearer <authToken>`; required unless `host` is a loopback address. */
  authToken?: string;
}

/**
 * Refuses (ConfigError, exit 2) a server anyone could use to decrypt payloads: one reachable from other machines
 * without a token, or one any web page may call with the user's credentials (origin `*` with a token).
 */
function checkExposure(host: string, corsOrigins: string[], authToken: string | undefined): void {
  if (authToken === undefined && !isLoopbackHost(host)) {
    throw new ConfigError(
      `codec-server: listening on ${host} lets other machines decrypt payloads, so it needs a bearer token: set ` +
        'MWBATCH_CODEC_AUTH_TOKEN (e.g. `export MWBATCH_CODEC_AUTH_TOKEN=$(openssl rand -hex 32)`), or listen on ' +
        'a loopback address (127.0.0.1, ::1, localhost)',
    );
  }
  if (authToken !== undefined && corsOrigins.includes('*')) {
    throw new ConfigError(
      "codec-server: --cors-origin '*' with MWBATCH_CODEC_AUTH_TOKEN would let any web page call it with the " +
        "user's credentials: name the Web UI's origin instead (--cors-origin https://temporal.example.com)",
    );
  }
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Compares digests, so neither the token nor its length leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? DEFAULT_CODEC_HOST;
  const origins = new Set(options.corsOrigins ?? DEFAULT_CORS_ORIGINS);
  checkExposure(host, [...origins], options.authToken);
  const codec = new EncryptionCodec(options.keys);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Browsers send Origin; the CLI and other programs do not.
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const named = origins.has(origin);
      if (!named && !origins.has('*')) throw new HttpError(403, `origin ${origin} is not allowed (see --cors-origin)`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      // Cookies and the Web UI's access token only from the origins named one by one.
      if (named) res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    // Any prefix, so the server can sit behind a path on a proxy.
    const action = /\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1];
    if (!action) throw new HttpError(404, 'not found: POST /encode or /decode');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (options.authToken !== undefined && !sameSecret(req.headers.authorization ?? '', `Bearer ${options.authToken}`))
      throw new HttpError(401, 'missing or wrong Authorization bearer token');

    let json: unknown;
    try {
      json = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'body is not JSON');
    }
    const body = payloadsBodySchema.safeParse(json);
    if (!body.success)
      throw new HttpError(400, 'body must be { "payloads": [ { "metadata": {...}, "data": "..." } ] }');
    let payloads: Payload[];
    try {
      payloads = body.data.payloads.map(payloadFromJson);
    } catch {
      throw new HttpError(400, 'payload bytes must be base64');
    }
    try {
      const result = action === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      send(res, 200, { payloads: result.map(payloadToJson) });
    } catch (err) {
      // Unknown key id or altered data; the messages name key ids, never keys.
      throw new HttpError(400, err instanceof Error ? err.message : String(err));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) send(res, status, { error: err instanceof Error ? err.message : 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
