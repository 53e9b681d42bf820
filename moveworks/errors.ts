/**
 * Error classes for every way a Moveworks call can fail. Callers (the Temporal activities) map these
 * to retry decisions; `isRetryable` is the client's own opinion of that mapping.
 * Messages and JSON never contain credentials (see http-errors.ts and redact.ts).
 */
export type MoveworksErrorKind =
  | 'unknown'
  | 'bad_request'
  | 'authentication'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'rate_limit'
  | 'server'
  | 'unexpected_status'
  | 'timeout'
  | 'connection'
  | 'malformed_response'
  | 'stream'
  | 'too_large';

export interface MoveworksErrorInit {
  status?: number;
  /** `error.code` from the API body, e.g. RATE_LIMIT_EXCEEDED, or the SSE ERROR event's code. */
  code?: string;
  /** `x-moveworks-root-uuid` of the failed request, for Moveworks support. */
  rootUuid?: string;
  retryAfterMs?: number;
  method?: string;
  /** Path relative to the base URL, without the query string. */
  path?: string;
  cause?: unknown;
}

export class MoveworksError extends Error {
  readonly kind: MoveworksErrorKind = 'unknown';
  readonly status?: number;
  readonly code?: string;
  readonly rootUuid?: string;
  readonly retryAfterMs?: number;
  readonly method?: string;
  readonly path?: string;

  constructor(message: string, init: MoveworksErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.rootUuid = init.rootUuid;
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
    this.path = init.path;
  }

  /** Plain data for logs and Temporal failure details (no cause chain, no stack). */
  toJSON(): Record<string, unknown> {
    const { name, kind, message, status, code, rootUuid, retryAfterMs, method, path } = this;
    return { name, kind, message, status, code, rootUuid, retryAfterMs, method, path };
  }
}
MoveworksError.prototype.name = 'MoveworksError';

export class BadRequestError extends MoveworksError {
  override readonly kind = 'bad_request';
  static {
    this.prototype.name = 'BadRequestError';
  }
}
export class AuthenticationError extends MoveworksError {
  override readonly kind = 'authentication';
  static {
    this.prototype.name = 'AuthenticationError';
  }
}
export class ForbiddenError extends MoveworksError {
  override readonly kind = 'forbidden';
  static {
    this.prototype.name = 'ForbiddenError';
  }
}
export class NotFoundError extends MoveworksError {
  override readonly kind = 'not_found';
  static {
    this.prototype.name = 'NotFoundError';
  }
}
export class ConflictError extends MoveworksError {
  override readonly kind = 'conflict';
  static {
    this.prototype.name = 'ConflictError';
  }
}
export class UnprocessableError extends MoveworksError {
  override readonly kind = 'unprocessable';
  static {
    this.prototype.name = 'UnprocessableError';
  }
}
export class RateLimitError extends MoveworksError {
  override readonly kind = 'rate_limit';
  static {
    this.prototype.name = 'RateLimitError';
  }
}
/** Any status >= 500. */
export class ServerError extends MoveworksError {
  override readonly kind = 'server';
  static {
    this.prototype.name = 'ServerError';
  }
}
/** A non-2xx status with no dedicated class (e.g. 405, 408, 410, 413, or a 3xx that was not followed). */
export class UnexpectedStatusError extends MoveworksError {
  override readonly kind = 'unexpected_status';
  static {
    this.prototype.name = 'UnexpectedStatusError';
  }
}
/** Our own per-request deadline fired (never used for an abort requested by the caller). */
export class RequestTimeoutError extends MoveworksError {
  override readonly kind = 'timeout';
  static {
    this.prototype.name = 'RequestTimeoutError';
  }
}
/** The request never got a complete HTTP answer: refused, reset, DNS, TLS, "fetch failed". */
export class ConnectionError extends MoveworksError {
  override readonly kind = 'connection';
  static {
    this.prototype.name = 'ConnectionError';
  }
}

export interface MalformedResponseInit extends MoveworksErrorInit {
  /** A short, redacted start of the offending body. */
  snippet?: string;
}
/** A 2xx body that is not JSON or does not match the schema. */
export class MalformedResponseError extends MoveworksError {
  override readonly kind = 'malformed_response';
  readonly snippet?: string;
  static {
    this.prototype.name = 'MalformedResponseError';
  }
  constructor(message: string, init: MalformedResponseInit = {}) {
    super(message, init);
    this.snippet = init.snippet;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), snippet: this.snippet };
  }
}

/**
 * `StreamError.code` when the server sent no code of its own: why the stream could not be read to its end, so a
 * caller that falls back to polling can say why (an ERROR event keeps the server's `error.code`).
 */
export const STREAM_FAILURE_CODES = {
  /** No byte (event or comment) for the stream idle timeout: a server silent while it thinks, or a dead link. */
  idleTimeout: 'STREAM_IDLE_TIMEOUT',
  /** The connection closed before a terminal event (also in the middle of an event). */
  cut: 'STREAM_CUT',
  /** The connection failed (reset, network error) before a terminal event. */
  interrupted: 'STREAM_INTERRUPTED',
  /** The 2xx answer was not an event stream (another content type, or no body). */
  notEventStream: 'STREAM_NOT_SSE',
  /** An event whose data is not JSON, or not the documented shape. */
  malformedEvent: 'STREAM_MALFORMED_EVENT',
  /** An ERROR event that carried no `error.code`. */
  errorEvent: 'STREAM_ERROR_EVENT',
} as const;
export type StreamFailureCode = (typeof STREAM_FAILURE_CODES)[keyof typeof STREAM_FAILURE_CODES];

export interface StreamErrorInit extends MoveworksErrorInit {
  responseId?: string;
}
/**
 * An SSE ERROR event, a stream that stopped (closed, dropped, idle) before a terminal event, or a 2xx
 * answer to the stream call that is not an event stream.
 */
export class StreamError extends MoveworksError {
  override readonly kind = 'stream';
  /**
   * Set when the stream announced the response, so the caller can poll GetResponse instead.
   * `undefined` means the stream never named the response: it failed before its first event that
   * carries an ID (an ERROR event first, a connection closed or cut before any event, a 2xx that is
   * not an event stream). The question may or may not have been asked.
   */
  readonly responseId?: string;
  static {
    this.prototype.name = 'StreamError';
  }
  constructor(message: string, init: StreamErrorInit = {}) {
    super(message, init);
    this.responseId = init.responseId;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), responseId: this.responseId };
  }
}

export type SizeUnit = 'bytes' | 'characters';

export interface ResponseTooLargeInit extends MoveworksErrorInit {
  /** The cap that was exceeded. */
  limit: number;
  /** What `limit` counts: UTF-8 bytes (bodies, answer text) or characters (one SSE line). */
  unit: SizeUnit;
  /** Set when the response was already known: announced by the stream, or the response whose answer it is. */
  responseId?: string;
}
/**
 * The server sent more than a configured cap allows (response body, SSE line, answer text). A body or a
 * line is read no further than the cap. Not retryable: the same request would bring the same oversized answer.
 */
export class ResponseTooLargeError extends MoveworksError {
  override readonly kind = 'too_large';
  readonly limit: number;
  readonly unit: SizeUnit;
  readonly responseId?: string;
  static {
    this.prototype.name = 'ResponseTooLargeError';
  }
  constructor(message: string, init: ResponseTooLargeInit) {
    super(message, init);
    this.limit = init.limit;
    this.unit = init.unit;
    this.responseId = init.responseId;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), limit: this.limit, unit: this.unit, responseId: this.responseId };
  }
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** "8 MiB", "512 KiB", "1000 bytes", "4194304 characters": exact, never rounded. */
export function formatSize(size: number, unit: SizeUnit = 'bytes'): string {
  if (unit === 'bytes' && size > 0 && size % MIB === 0) return `${size / MIB} MiB`;
  if (unit === 'bytes' && size > 0 && size % KIB === 0) return `${size / KIB} KiB`;
  return `${size} ${unit}`;
}

/** "<what> exceeds the size limit of <limit>": the core of every ResponseTooLargeError message. */
export function tooLargeMessage(what: string, limit: number, unit: SizeUnit): string {
  return `${what} exceeds the size limit of ${formatSize(limit, unit)}`;
}

/**
 * Whether repeating the same call may succeed: 408, 429, 5xx, our timeouts and connection failures.
 * Not retryable: other 4xx (the request itself is wrong), malformed 2xx bodies (the server would
 * answer the same way again), ResponseTooLargeError (same reason), StreamError (the question may
 * already have been asked: poll GetResponse with `responseId` instead of re-posting), caller aborts
 * and non-Moveworks errors.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof MoveworksError)) return false;
  if (err instanceof RateLimitError || err instanceof ServerError) return true;
  if (err instanceof RequestTimeoutError || err instanceof ConnectionError) return true;
  if (err instanceof UnexpectedStatusError) return err.status === 408;
  return false;
}
