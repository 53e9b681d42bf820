/**
 * The HTTP gateway (`mwbatch serve`): the library's ask over HTTP for services in other languages. POST
 * /v1/questions with an Idempotency-Key asks (or attaches to the earlier ask with that key) and long-polls up to
 * `?wait=`; GET /v1/questions/{key} reads the answer; DELETE cancels. A thin layer over MwbatchClient that keeps no
 * state: every answer lives in Temporal, so any instance, or a restarted one, answers for every key. The contract is
 * gateway/openapi.json, served at /openapi.json; a contract test validates every response against it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isGrpcServiceError } from '@temporalio/client';
import { durationMs } from '../common/duration';
import { UnreachableTemporalError } from '../common/errors';
import type { AskHandle, MwbatchClient } from '../library/client';
import { IdempotencyConflictError, InvalidRequestError, QuestionNotFoundError } from '../library/errors';
import { checkIdempotencyKey, IDEMPOTENCY_KEY_RULE, type AskRequest } from '../library/request';
import type { Logger } from '../observability/logger';
import openapi from './openapi.json';

/** Every operation the gateway serves; the contract test checks that the document lists exactly these. */
export const routes = [
  { method: 'POST', template: '/v1/questions' },
  { method: 'GET', template: '/v1/questions/{key}' },
  { method: 'DELETE', template: '/v1/questions/{key}' },
  { method: 'GET', template: '/healthz' },
  { method: 'GET', template: '/openapi.json' },
] as const;

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** The longest `?wait=`: long enough for most answers, short enough for proxies' idle timeouts. */
export const MAX_WAIT_MS = 60_000;
const HEALTH_CHECK_MS = 3_000;

export interface GatewayOptions {
  client: MwbatchClient;
  /** The bearer token every /v1 request must carry; undefined serves without one (`--insecure-local`). */
  token: string | undefined;
  maxBodyBytes?: number;
  /** One line per request (method, path, status, duration); default none. */
  log?: (line: string) => void;
  /** The structured logger (observability/logger.ts, JSON or text lines): used instead of `log` when given. */
  logger?: Logger;
}

export interface Gateway {
  server: Server;
  /** Starts listening; resolves to the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, answers the requests still waiting with 202 (the ask goes on in Temporal), then closes. */
  close(): Promise<void>;
}

/** An answer other than 2xx that the handler decided on; `code` is the document's error code. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time: compares SHA-256 digests, so neither the content nor the length of the token leaks in timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}

function keyOf(value: string | undefined, missing: string): string {
  if (value === undefined || value === '') throw new HttpError(400, 'missing_idempotency_key', missing);
  try {
    return checkIdempotencyKey(value);
  } catch {
    throw new HttpError(400, 'invalid_idempotency_key', `the Idempotency-Key must be ${IDEMPOTENCY_KEY_RULE}`);
  }
}

function keyOfPath(segment: string): string {
  let key: string;
  try {
    key = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_idempotency_key', 'the key in the path is not valid percent-encoding');
  }
  return keyOf(key, 'the path names no key');
}

function waitOf(url: URL): number {
  const value = url.searchParams.get('wait');
  if (value === null) return 0;
  const ms = durationMs(value);
  if (ms === undefined) throw new HttpError(400, 'invalid_wait', 'wait must be a duration such as 30s, 1500ms or 1m');
  if (ms > MAX_WAIT_MS) throw new HttpError(400, 'invalid_wait', `wait must be at most ${MAX_WAIT_MS / 1000}s`);
  return ms;
}

/** The body, read up to `maxBytes` (413 past it: the rest is drained and discarded, the connection then closed). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new HttpError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`, { connection: 'close' });
    if (Number(req.headers['content-length']) > maxBytes) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    req.resume();
    throw new HttpError(415, 'unsupported_media_type', 'the body must be application/json');
  }
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

/** Temporal did not answer (gRPC UNAVAILABLE or DEADLINE_EXCEEDED, anywhere in the cause chain). */
function isTemporalUnavailable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof UnreachableTemporalError) return true;
    if (isGrpcServiceError(e) && (e.code === 14 || e.code === 4)) return true;
  }
  return false;
}

const location = (key: string) => `/v1/questions/${encodeURIComponent(key)}`;

/** 200 with the answer when the ask has ended within `waitMs`, else 202 (with `pendingHeaders`). */
async function answer(
  res: ServerResponse,
  handle: AskHandle,
  waitMs: number,
  signal: AbortSignal,
  { headers = {}, pendingHeaders = {} }: { headers?: Record<string, string>; pendingHeaders?: Record<string, string> },
): Promise<void> {
  const { key, workflowId } = handle;
  const result = await handle.wait(waitMs, { signal });
  if (result) sendJson(res, 200, { key, workflowId, state: 'done', result }, headers);
  else sendJson(res, 202, { key, workflowId, state: 'running' }, { ...headers, ...pendingHeaders });
}

export function createGateway({
  client,
  token,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  log,
  logger,
}: GatewayOptions): Gateway {
  const waiting = new Set<AbortController>();

  async function postQuestion(req: IncomingMessage, res: ServerResponse, url: URL, signal: AbortSignal) {
    const key = keyOf(header(req, 'idempotency-key'), 'the Idempotency-Key header is required');
    const waitMs = waitOf(url);
    const body = await readJson(req, maxBodyBytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidRequestError([{ path: '', message: 'must be a JSON object' }]);
    }
    // The body is checked by the library (InvalidRequestError: 422 with every bad field).
    const handle = await client.start({ ...(body as AskRequest), idempotencyKey: key });
    const headers: Record<string, string> = handle.started ? {} : { 'idempotent-replayed': 'true' };
    await answer(res, handle, waitMs, signal, { headers, pendingHeaders: { location: location(key) } });
  }

  async function getQuestion(res: ServerResponse, key: string, url: URL, signal: AbortSignal) {
    const waitMs = waitOf(url);
    await answer(res, await client.get(key), waitMs, signal, {});
  }

  async function cancelQuestion(res: ServerResponse, key: string, signal: AbortSignal) {
    const handle = await client.get(key);
    const done = await handle.wait(0);
    if (!done) {
      try {
        await handle.cancel();
      } catch {
        // ended meanwhile: answered below with its result
      }
    }
    await answer(res, handle, 0, signal, { pendingHeaders: { location: location(key) } });
  }

  async function health(res: ServerResponse) {
    const { temporal } = client;
    try {
      await temporal.withDeadline(Date.now() + HEALTH_CHECK_MS, () =>
        temporal.workflowService.describeNamespace({ namespace: temporal.options.namespace }),
      );
      sendJson(res, 200, { status: 'ok' });
    } catch (err) {
      sendJson(res, 503, { status: 'unavailable', message: `Temporal: ${(err as Error).message}` });
    }
  }

  function authorize(req: IncomingMessage) {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)', {
        'www-authenticate': 'Bearer',
      });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const { pathname } = url;
    const method = req.method ?? 'GET';
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) {
        throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`, { allow: methods.join(', ') });
      }
    };
    if (pathname === '/healthz') {
      allow('GET');
      return health(res);
    }
    if (pathname === '/openapi.json') {
      allow('GET');
      return sendJson(res, 200, openapi);
    }
    if (pathname === '/v1/questions') {
      authorize(req);
      allow('POST');
      return postQuestion(req, res, url, signal);
    }
    const match = /^\/v1\/questions\/([^/]+)$/.exec(pathname);
    if (match) {
      authorize(req);
      allow('GET', 'DELETE');
      const key = keyOfPath(match[1]!);
      return method === 'GET' ? getQuestion(res, key, url, signal) : cancelQuestion(res, key, signal);
    }
    throw new HttpError(404, 'not_found', `no route ${pathname}`);
  }

  function fail(res: ServerResponse, err: unknown) {
    if (err instanceof HttpError) return sendJson(res, err.status, errorBody(err.code, err.message), err.headers);
    if (err instanceof InvalidRequestError) {
      const fields = err.issues.map((issue) => ({ field: issue.path, message: issue.message }));
      return sendJson(res, 422, {
        error: { code: 'invalid_request', message: 'the body is not a valid request', fields },
      });
    }
    if (err instanceof IdempotencyConflictError)
      return sendJson(res, 409, errorBody('idempotency_conflict', err.message));
    if (err instanceof QuestionNotFoundError) return sendJson(res, 404, errorBody('not_found', err.message));
    if (isTemporalUnavailable(err)) {
      const message = 'Temporal does not answer; nothing is lost: retry the same request';
      return sendJson(res, 503, errorBody('temporal_unavailable', message));
    }
    if (logger) logger.error('unexpected error', { error: err });
    else log?.(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    sendJson(res, 500, errorBody('internal', 'internal error'));
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    // Stops a long poll when the caller hangs up or the gateway closes; the ask itself goes on in Temporal.
    const stop = new AbortController();
    waiting.add(stop);
    res.once('close', () => {
      stop.abort();
      waiting.delete(stop);
    });
    res.once('finish', () => {
      const path = new URL(req.url ?? '/', 'http://gateway').pathname;
      const ms = Date.now() - started;
      if (logger) {
        const fields = { method: req.method, path, status: res.statusCode, durationMs: ms };
        logger.info(`${req.method} ${path} ${res.statusCode} ${ms}ms`, fields);
      } else log?.(`${req.method} ${path} ${res.statusCode} ${ms}ms`);
    });
    route(req, res, stop.signal).catch((err: unknown) => fail(res, err));
  });

  return {
    server,
    async listen(port, host) {
      server.listen(port, host);
      await once(server, 'listening');
      return server.address() as AddressInfo;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const stop of waiting) stop.abort();
      server.closeIdleConnections();
      await closed;
    },
  };
}
