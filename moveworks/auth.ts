/**
 * Bearer-token providers. Secrets live in #private fields and are masked in toString, toJSON and
 * util.inspect, so logging a client or its options never prints them.
 */
import { z } from 'zod';
import { Deadline } from './deadline';
import { MalformedResponseError, ResponseTooLargeError, tooLargeMessage } from './errors';
import { errorFromHttpFailure } from './http-errors';
import { DEFAULT_MAX_RESPONSE_BYTES } from './limits';
import { redactor, type Redactor } from './redact';
import { readBodyText, type BodyText } from './transport';

export interface TokenRequestOptions {
  /** Skip the cache (the API just rejected the cached token). */
  forceRefresh?: boolean;
  signal?: AbortSignal;
}

export interface AuthProvider {
  getToken(opts?: TokenRequestOptions): Promise<string>;
  /** Whether forceRefresh can produce a different token (so a 401 is worth one retry). */
  readonly canRefresh: boolean;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A fixed bearer: an API key or a token minted elsewhere. */
export class StaticTokenAuth implements AuthProvider {
  readonly canRefresh = false;
  readonly #token: string;

  constructor(token: string) {
    if (!token) throw new TypeError('StaticTokenAuth: the token is empty');
    this.#token = token;
  }

  async getToken(opts?: TokenRequestOptions): Promise<string> {
    opts?.signal?.throwIfAborted();
    return this.#token;
  }

  toString(): string {
    return 'StaticTokenAuth { token: [REDACTED] }';
  }
  toJSON(): Record<string, string> {
    return { type: 'StaticTokenAuth' };
  }
  [INSPECT](): string {
    return this.toString();
  }
}

export interface ClientCredentialsOptions {
  /** e.g. https://api.moveworks.ai/oauth/v1/token */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** Refresh when less than this remains. Default: max(5 s, 20% of the lifetime). Capped at half the lifetime. */
  refreshMarginMs?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Timeout of one token request, default 30 s. */
  timeoutMs?: number;
}

/** Moveworks documents both a 60 s and a 3600 s lifetime; assume the short one when expires_in is absent. */
const DEFAULT_LIFETIME_MS = 60_000;

const TokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .nullish(),
  token_type: z.string().nullish(),
});
// The spec wraps the token in `data`; the developer-portal example does not. Accept both.
const TokenResponseSchema = z.union([z.looseObject({ data: TokenSchema }).transform((body) => body.data), TokenSchema]);

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * OAuth 2.0 client credentials against the Moveworks token endpoint. The request is sent as
 * application/x-www-form-urlencoded (`grant_type=client_credentials&client_id=…&client_secret=…`),
 * as in the developer-portal example and RFC 6749 §4.4; the spec's JSON typing is not used.
 * Tokens are cached and refreshed ahead of expiry; concurrent callers share one in-flight request.
 */
export class ClientCredentialsAuth implements AuthProvider {
  readonly canRefresh = true;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly #clientSecret: string;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #marginMs: number | undefined;
  readonly #redact: Redactor;
  #cached: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;

  constructor(options: ClientCredentialsOptions) {
    if (!options.clientId || !options.clientSecret)
      throw new TypeError('ClientCredentialsAuth: clientId and clientSecret are required');
    this.tokenUrl = new URL(options.tokenUrl).toString();
    this.clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#marginMs = options.refreshMarginMs;
    this.#redact = redactor([options.clientSecret]);
  }

  async getToken(opts: TokenRequestOptions = {}): Promise<string> {
    opts.signal?.throwIfAborted();
    const cached = this.#cached;
    if (!opts.forceRefresh && cached && this.#now() < cached.refreshAt) return cached.token;
    try {
      return (await raceAbort(this.#refresh(), opts.signal)).token;
    } catch (err) {
      // An early refresh that failed is not fatal while the cached token has not expired yet.
      const usable = cached && !opts.forceRefresh && !opts.signal?.aborted && this.#now() < cached.expiresAt;
      if (usable) return cached.token;
      throw err;
    }
  }

  /** Single flight: every caller that needs a new token waits on the same request. */
  #refresh(): Promise<CachedToken> {
    if (!this.#inflight) {
      const flight = this.#requestToken().finally(() => {
        this.#inflight = undefined;
      });
      flight.then((token) => (this.#cached = token)).catch(() => undefined);
      this.#inflight = flight;
    }
    return this.#inflight;
  }

  async #requestToken(): Promise<CachedToken> {
    const url = new URL(this.tokenUrl);
    const op = { method: 'POST', path: `${url.origin}${url.pathname}` };
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.clientId,
      client_secret: this.#clientSecret,
    });
    // One deadline per shared request: a single caller giving up must not abort it for the others.
    const deadline = new Deadline(this.#timeoutMs);
    const sentAt = this.#now();
    let res: globalThis.Response;
    let body: BodyText;
    try {
      res = await this.#fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: deadline.signal,
      });
      body = await readBodyText(res, DEFAULT_MAX_RESPONSE_BYTES);
    } catch (err) {
      throw deadline.translate(err, op, this.#redact);
    } finally {
      deadline.dispose();
    }
    if (!res.ok) {
      throw errorFromHttpFailure({
        ...op,
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
        bodyText: body.text,
        redact: this.#redact,
      });
    }
    if (!body.complete) {
      const message = `${op.method} ${op.path}: ${tooLargeMessage('token response body', DEFAULT_MAX_RESPONSE_BYTES, 'bytes')}`;
      throw new ResponseTooLargeError(message, {
        ...op,
        status: res.status,
        limit: DEFAULT_MAX_RESPONSE_BYTES,
        unit: 'bytes',
      });
    }
    return this.#cacheEntry(parseTokenBody(body.text, op, res.status), sentAt);
  }

  #cacheEntry(body: z.output<typeof TokenSchema>, sentAt: number): CachedToken {
    const seconds = body.expires_in;
    const lifetimeMs = typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS;
    const margin = Math.min(this.#marginMs ?? Math.max(5_000, lifetimeMs * 0.2), lifetimeMs / 2);
    // Count the lifetime from when the request was sent: the server started the clock no earlier.
    return { token: body.access_token, expiresAt: sentAt + lifetimeMs, refreshAt: sentAt + lifetimeMs - margin };
  }

  toString(): string {
    return `ClientCredentialsAuth { tokenUrl: ${this.tokenUrl}, clientId: ${this.clientId}, clientSecret: [REDACTED] }`;
  }
  toJSON(): Record<string, string> {
    return { type: 'ClientCredentialsAuth', tokenUrl: this.tokenUrl, clientId: this.clientId };
  }
  [INSPECT](): string {
    return this.toString();
  }
}

function parseTokenBody(
  text: string,
  op: { method: string; path: string },
  status: number,
): z.output<typeof TokenSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No snippet: a token body is the one place where a snippet could hold a secret.
    throw new MalformedResponseError(`${op.method} ${op.path}: ${status} token response is not JSON`, {
      ...op,
      status,
    });
  }
  const parsed = TokenResponseSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const keys = json && typeof json === 'object' ? Object.keys(json).slice(0, 10).join(', ') : typeof json;
  throw new MalformedResponseError(
    `${op.method} ${op.path}: ${status} token response has no usable access_token (top-level keys: ${keys})`,
    { ...op, status },
  );
}

/** Waits for `promise`, but rejects with the signal's reason as soon as the signal aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
