/** The Moveworks error classes: Retry-After, mapping an HTTP failure to its class, what is retryable, redaction. */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  errorFromHttpFailure,
  ForbiddenError,
  isRetryable,
  MalformedResponseError,
  MoveworksError,
  NotFoundError,
  formatSize,
  parseRetryAfter,
  RateLimitError,
  redactor,
  RequestTimeoutError,
  ResponseTooLargeError,
  ServerError,
  StreamError,
  UnexpectedStatusError,
  UnprocessableError,
} from '../../moveworks';

const NOW = new Date('2025-01-20T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds, including 0 and decimals', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
  });

  it('reads an IMF-fixdate relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Mon, 20 Jan 2025 10:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfter('Mon, 20 Jan 2025 09:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW.getTime() + 42_000).toUTCString(), NOW)).toBe(42_000);
  });

  it('accepts the obsolete RFC 850 and asctime date forms', () => {
    expect(parseRetryAfter('Monday, 20-Jan-25 10:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Mon Jan 20 10:00:09 2025', NOW)).toBe(9000);
  });

  it('returns undefined for garbage', () => {
    for (const value of [
      null,
      undefined,
      '',
      '  ',
      'soon',
      '-1',
      '1e3',
      '3 seconds',
      'Mon, 31 Feb 2025 10:00:00 GMT',
    ]) {
      expect(parseRetryAfter(value, NOW), String(value)).toBeUndefined();
    }
  });
});

describe('errorFromHttpFailure', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it.each([
    [400, BadRequestError, 'INVALID_INPUT'],
    [401, AuthenticationError, 'UNAUTHORIZED'],
    [403, ForbiddenError, 'FORBIDDEN'],
    [404, NotFoundError, 'NOT_FOUND'],
    [409, ConflictError, 'CONFLICT'],
    [422, UnprocessableError, 'UNPROCESSABLE'],
    [429, RateLimitError, 'RATE_LIMIT_EXCEEDED'],
    [500, ServerError, 'INTERNAL_ERROR'],
    [503, ServerError, 'UNAVAILABLE'],
    [418, UnexpectedStatusError, 'TEAPOT'],
  ])('maps %i to %o', (status, ErrorClass, code) => {
    const err = errorFromHttpFailure({
      method: 'GET',
      path: '/conversations/c1',
      status,
      headers: headers({ 'x-moveworks-root-uuid': 'root-1' }),
      bodyText: JSON.stringify({ error: { code, message: 'Something happened' } }),
    });
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err).toBeInstanceOf(MoveworksError);
    expect(err.name).toBe(ErrorClass.name);
    expect(err).toMatchObject({ status, code, rootUuid: 'root-1' });
    expect(err.message).toBe(`GET /conversations/c1: ${status} ${code} Something happened (root uuid root-1)`);
  });

  it('reads Retry-After into retryAfterMs', () => {
    const err = errorFromHttpFailure({
      method: 'POST',
      path: '/conversations',
      status: 429,
      headers: headers({ 'retry-after': 'Mon, 20 Jan 2025 10:00:03 GMT' }),
      bodyText: '{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}}',
      now: NOW,
    });
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterMs).toBe(3000);
  });

  it('tolerates a non-JSON body and keeps a short snippet in the message', () => {
    const err = errorFromHttpFailure({
      method: 'GET',
      path: '/x',
      status: 502,
      statusText: 'Bad Gateway',
      headers: headers({}),
      bodyText: `<html>\n<body>upstream down</body>\n</html>${'x'.repeat(500)}`,
    });
    expect(err).toBeInstanceOf(ServerError);
    expect(err.code).toBeUndefined();
    expect(err.message).toContain('GET /x: 502 Bad Gateway (body: <html> <body>upstream down</body>');
    expect(err.message.length).toBeLessThan(300);
  });

  it('reads OAuth-style and bare {code,message} error bodies', () => {
    const oauth = errorFromHttpFailure({
      method: 'POST',
      path: '/oauth/v1/token',
      status: 401,
      headers: headers({}),
      bodyText: '{"error":"invalid_client","error_description":"bad client"}',
    });
    expect(oauth).toMatchObject({
      code: 'invalid_client',
      message: 'POST /oauth/v1/token: 401 invalid_client bad client',
    });
    const bare = errorFromHttpFailure({
      method: 'POST',
      path: '/t',
      status: 400,
      headers: headers({}),
      bodyText: '{"code":"UNSUPPORTED_GRANT_TYPE","message":"nope"}',
    });
    expect(bare.code).toBe('UNSUPPORTED_GRANT_TYPE');
  });

  it('redacts secrets the server echoed back, in the message and the JSON form', () => {
    const token = 'mwt_SECRET_token_value_123';
    const err = errorFromHttpFailure({
      method: 'GET',
      path: '/x',
      status: 400,
      headers: headers({}),
      bodyText: JSON.stringify({ error: { code: 'INVALID_INPUT', message: `bad header Bearer ${token}` } }),
      redact: redactor([token]),
    });
    expect(err.message).toContain('[REDACTED]');
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err)).not.toContain(token);
  });
});

describe('isRetryable', () => {
  it('retries rate limits, server errors, 408, timeouts and connection failures', () => {
    expect(isRetryable(new RateLimitError('x', { status: 429 }))).toBe(true);
    expect(isRetryable(new ServerError('x', { status: 500 }))).toBe(true);
    expect(isRetryable(new ServerError('x', { status: 503 }))).toBe(true);
    expect(isRetryable(new UnexpectedStatusError('x', { status: 408 }))).toBe(true);
    expect(isRetryable(new RequestTimeoutError('x'))).toBe(true);
    expect(isRetryable(new ConnectionError('x'))).toBe(true);
  });

  it('does not retry client errors, malformed bodies, stream errors or foreign errors', () => {
    for (const err of [
      new BadRequestError('x', { status: 400 }),
      new AuthenticationError('x', { status: 401 }),
      new ForbiddenError('x', { status: 403 }),
      new NotFoundError('x', { status: 404 }),
      new ConflictError('x', { status: 409 }),
      new UnprocessableError('x', { status: 422 }),
      new UnexpectedStatusError('x', { status: 410 }),
      new MalformedResponseError('x', { status: 200 }),
      new StreamError('x', { responseId: 'resp_1' }),
      new Error('plain'),
      new DOMException('aborted', 'AbortError'),
      'a string',
    ]) {
      expect(isRetryable(err), String(err)).toBe(false);
    }
  });
});

describe('error classes', () => {
  it('have distinct names and kinds, and serialise without stack or cause', () => {
    const classes = [
      BadRequestError,
      AuthenticationError,
      ForbiddenError,
      NotFoundError,
      ConflictError,
      UnprocessableError,
      RateLimitError,
      ServerError,
      UnexpectedStatusError,
      RequestTimeoutError,
      ConnectionError,
      MalformedResponseError,
      StreamError,
    ];
    const names = classes.map((C) => new C('m').name);
    const kinds = classes.map((C) => new C('m').kind);
    expect(names).toEqual(classes.map((C) => C.name));
    expect(new Set(kinds).size).toBe(classes.length);
    const err = new StreamError('boom', { code: 'INTERNAL', responseId: 'resp_9', cause: new Error('inner') });
    expect(String(err)).toBe('StreamError: boom');
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'StreamError',
      kind: 'stream',
      message: 'boom',
      code: 'INTERNAL',
      responseId: 'resp_9',
    });
  });
});

describe('ResponseTooLargeError', () => {
  it('is a MoveworksError of its own kind, not retryable, and serialises its limit', () => {
    const err = new ResponseTooLargeError('GET /x: response body exceeds the size limit of 8 MiB', {
      method: 'GET',
      path: '/x',
      status: 200,
      limit: 8 * 1024 * 1024,
      unit: 'bytes',
    });
    expect(err).toBeInstanceOf(MoveworksError);
    expect(String(err)).toBe('ResponseTooLargeError: GET /x: response body exceeds the size limit of 8 MiB');
    expect(isRetryable(err)).toBe(false);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'ResponseTooLargeError',
      kind: 'too_large',
      message: 'GET /x: response body exceeds the size limit of 8 MiB',
      method: 'GET',
      path: '/x',
      status: 200,
      limit: 8 * 1024 * 1024,
      unit: 'bytes',
    });
  });

  it('states sizes exactly', () => {
    expect(formatSize(8 * 1024 * 1024)).toBe('8 MiB');
    expect(formatSize(512 * 1024)).toBe('512 KiB');
    expect(formatSize(1_000_000)).toBe('1000000 bytes');
    expect(formatSize(4 * 1024 * 1024, 'characters')).toBe('4194304 characters');
  });
});
