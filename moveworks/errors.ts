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
  | 'stream';

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

export interface StreamErrorInit extends MoveworksErrorInit {
  responseId?: string;
}
/** An SSE ERROR event, or a stream that stopped (closed, dropped, idle) before a terminal event. */
export class StreamError extends MoveworksError {
  override readonly kind = 'stream';
  /** Set when the stream announced the response, so the caller can poll GetResponse instead. */
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

/**
 * Whether repeating the same call may succeed: 408, 429, 5xx, our timeouts and connection failures.
 * Not retryable: other 4xx (the request itself is wrong), malformed 2xx bodies (the server would
 * answer the same way again), StreamError (the question may already have been asked: poll
 * GetResponse with `responseId` instead of re-posting), caller aborts and non-Moveworks errors.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof MoveworksError)) return false;
  if (err instanceof RateLimitError || err instanceof ServerError) return true;
  if (err instanceof RequestTimeoutError || err instanceof ConnectionError) return true;
  if (err instanceof UnexpectedStatusError) return err.status === 408;
  return false;
}
