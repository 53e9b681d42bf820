// Small node:http helpers: reading bodies, writing JSON, and the API's error envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CURSOR'
  | 'INVALID_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNPROCESSABLE_ENTITY'
  | 'RATE_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR';

/**
 * Thrown by handlers; turned into `{"error":{"code","message"}}` with the given status. `fault` names the
 * simulated fault that caused it, for the request log.
 */
export class ApiError extends Error {
  readonly headers: Record<string, string>;
  readonly fault?: string;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    extra: { headers?: Record<string, string>; fault?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.headers = extra.headers ?? {};
    if (extra.fault !== undefined) this.fault = extra.fault;
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

const MAX_BODY_BYTES = 1_000_000;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(400, 'INVALID_INPUT', 'Request body too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/** An empty body parses as `{ ok: true, value: undefined }`. */
export function parseJson(raw: string): ParsedJson {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The malformed-JSON fault: the right status and content type, but only the first half of the body. */
export function sendTruncatedJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const truncated = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(truncated) });
  res.end(truncated);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, errorBody(error.code, error.message), error.headers);
}
