/** Mapping of a non-2xx HTTP answer (status, headers, body) to the matching MoveworksError subclass. */
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  ServerError,
  UnexpectedStatusError,
  UnprocessableError,
  type MoveworksError,
  type MoveworksErrorInit,
} from './errors';
import { noRedaction, snippet, type Redactor } from './redact';
import { parseRetryAfter } from './retry-after';

type HttpErrorClass = new (message: string, init?: MoveworksErrorInit) => MoveworksError;

export function errorClassForStatus(status: number): HttpErrorClass {
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return ForbiddenError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 422:
      return UnprocessableError;
    case 429:
      return RateLimitError;
  }
  return status >= 500 ? ServerError : UnexpectedStatusError;
}

export interface ApiErrorDetail {
  code?: string;
  message?: string;
}

/**
 * Reads an error body leniently: `{error:{code,message}}` (Conversations API), `{code,message}`
 * (token endpoint per the spec) or OAuth's `{error:"invalid_client",error_description}`.
 */
export function extractApiError(bodyText: string): ApiErrorDetail | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  const inner = isRecord(body.error) ? body.error : body;
  const code = str(inner.code) ?? str(body.error);
  const message = str(inner.message) ?? str(body.error_description) ?? str(body.message);
  return code === undefined && message === undefined ? undefined : { code, message };
}

/** What the client knows about a non-2xx HTTP answer. */
export interface HttpFailure {
  method: string;
  path: string;
  status: number;
  statusText?: string;
  headers: { get(name: string): string | null };
  bodyText: string;
  redact?: Redactor;
  now?: Date;
}

export function errorFromHttpFailure(failure: HttpFailure): MoveworksError {
  const redact = failure.redact ?? noRedaction;
  const api = extractApiError(failure.bodyText);
  const rootUuid = failure.headers.get('x-moveworks-root-uuid') ?? failure.headers.get('x-trace-id') ?? undefined;
  const retryAfterMs = parseRetryAfter(failure.headers.get('retry-after'), failure.now);
  const parts = [`${failure.method} ${failure.path}: ${failure.status}`];
  if (api) {
    if (api.code) parts.push(api.code);
    if (api.message) parts.push(api.message);
  } else {
    if (failure.statusText) parts.push(failure.statusText);
    const body = snippet(failure.bodyText);
    if (body) parts.push(`(body: ${body})`);
  }
  if (rootUuid) parts.push(`(root uuid ${rootUuid})`);
  const ErrorClass = errorClassForStatus(failure.status);
  return new ErrorClass(redact(parts.join(' ')), {
    status: failure.status,
    code: api?.code ? redact(api.code) : undefined,
    rootUuid,
    retryAfterMs,
    method: failure.method,
    path: failure.path,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
