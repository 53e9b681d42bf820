/**
 * One HTTP call to the Conversations API: headers, per-attempt deadline, one token refresh on 401,
 * error mapping, a cap on the body size and schema parsing, and one OpenTelemetry client span per request (a
 * no-op unless the worker registered a tracer provider: observability/tracing.ts). It never retries anything else:
 * the caller (Temporal) owns retries.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { z } from 'zod';
import type { AuthProvider } from './auth';
import { Deadline, type CallOptions, type Operation } from './deadline';
import { MalformedResponseError, ResponseTooLargeError, tooLargeMessage } from './errors';
import { errorFromHttpFailure } from './http-errors';
import { redactor, snippet, type Redactor } from './redact';
import { parseRetryAfter } from './retry-after';
import { parseReporting, type UnknownReporter } from './schemas';
import { chunksOf } from './sse';

export interface TransportConfig {
  baseUrl: string;
  assistantName: string;
  auth: AuthProvider;
  timeoutMs: number;
  fetch: typeof fetch;
  userAgent: string;
  /** JSON bodies longer than this raise ResponseTooLargeError; error bodies are cut to it. */
  maxResponseBytes: number;
  onUnknown?: UnknownReporter;
  /** Told of every HTTP response (a 401 retried after a refresh counts twice): metrics and logs hang off it. */
  onExchange?: ExchangeObserver;
}

/** One HTTP response of the API, with the path as a template (ids replaced): a safe, low-cardinality label. */
export interface Exchange {
  method: string;
  /** e.g. `/conversations/{conversation_id}/responses/{response_id}`: the simulator's route templates. */
  path: string;
  status: number;
  /** When the response carried Retry-After (a 429, a 503): the wait it asked for. */
  retryAfterMs?: number;
  rootUuid?: string;
}

export type ExchangeObserver = (exchange: Exchange) => void;

/** Every other segment below the base URL is an id: conversations/{id}/responses/{id}/messages/{id}/feedback. */
const ID_NAMES: Record<string, string> = {
  conversations: '{conversation_id}',
  responses: '{response_id}',
  messages: '{message_id}',
};

/** The path with its ids replaced; `responses/stream` stays as it is. */
export function pathTemplate(segments: readonly string[]): string {
  const parts = segments.map((segment, i) => {
    const name = i % 2 === 1 ? ID_NAMES[segments[i - 1]!] : undefined;
    return name && segment !== 'stream' ? name : encodeURIComponent(segment);
  });
  return `/${parts.join('/')}`;
}

/** Client spans of the API calls, children of the activity's span. */
const tracer = trace.getTracer('mwbatch.moveworks');

export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path segments below the base URL; each one is URL-encoded here. */
  segments: readonly string[];
  query?: Record<string, QueryValue>;
  body?: unknown;
  accept?: string;
}

/** A 2xx answer whose body has not been read yet; `deadline` still guards the read. */
export interface OpenedResponse {
  res: globalThis.Response;
  deadline: Deadline;
  op: Operation;
  redact: Redactor;
  rootUuid?: string;
}

export class Transport {
  readonly #config: TransportConfig;
  readonly #base: string;
  /** The base URL's path (`/rest/api/v1`...), before the request's own path on a span's `url.path`. */
  readonly #basePath: string;
  /** The server attributes of every span. */
  readonly #server: Attributes;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#base = config.baseUrl.replace(/\/+$/, '');
    // A base URL that does not parse fails at the first request, as it always did; its spans just say less.
    const base = URL.canParse(this.#base) ? new URL(this.#base) : undefined;
    this.#basePath = base?.pathname.replace(/\/+$/, '') ?? '';
    this.#server = base
      ? {
          'server.address': base.hostname,
          'server.port': Number(base.port) || (base.protocol === 'https:' ? 443 : 80),
          'url.scheme': base.protocol.slice(0, -1),
        }
      : {};
  }

  get onUnknown(): UnknownReporter | undefined {
    return this.#config.onUnknown;
  }

  /** Sends the request and returns the 2xx response unread; any other status is thrown as a MoveworksError. */
  async open(spec: RequestSpec, opts: CallOptions = {}): Promise<OpenedResponse> {
    const op: Operation = { method: spec.method, path: `/${spec.segments.map(encodeURIComponent).join('/')}` };
    const url = `${this.#base}${op.path}${queryString(spec.query)}`;
    const { auth } = this.#config;
    const token = await auth.getToken({ signal: opts.signal });
    let opened = await this.#send(url, spec, op, token, redactor([token]), opts);
    if (opened.res.status === 401 && auth.canRefresh) {
      // The token may have been revoked or expired early: fetch a new one and try exactly once more.
      await this.readText(opened).catch(() => undefined);
      const fresh = await auth.getToken({ forceRefresh: true, signal: opts.signal });
      opened = await this.#send(url, spec, op, fresh, redactor([token, fresh]), opts, 1);
    }
    if (opened.res.ok) return opened;
    // An error body longer than the cap is cut: the status says what happened, the body only adds detail.
    const { text: bodyText } = await this.readText(opened);
    throw errorFromHttpFailure({
      ...op,
      status: opened.res.status,
      statusText: opened.res.statusText,
      headers: opened.res.headers,
      bodyText,
      redact: opened.redact,
    });
  }

  /** open + read (up to maxResponseBytes) + JSON.parse + schema validation (unknown enum values go to onUnknown). */
  async json<S extends z.ZodType>(spec: RequestSpec, schema: S, opts?: CallOptions): Promise<z.output<S>> {
    const opened = await this.open(spec, opts);
    const { text, complete } = await this.readText(opened);
    const { op, redact, res, rootUuid } = opened;
    if (!complete) {
      const limit = this.#config.maxResponseBytes;
      const message = `${op.method} ${op.path}: ${tooLargeMessage('response body', limit, 'bytes')}`;
      throw new ResponseTooLargeError(message, { ...op, status: res.status, rootUuid, limit, unit: 'bytes' });
    }
    const where = `${op.method} ${op.path}: ${res.status}`;
    const details = { ...op, status: res.status, rootUuid, snippet: redact(snippet(text)) };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new MalformedResponseError(`${where} body is not JSON: ${details.snippet || '(empty)'}`, details);
    }
    const parsed = parseReporting(schema, data, this.#config.onUnknown);
    if (!parsed.success) {
      throw new MalformedResponseError(
        redact(`${where} unexpected body shape: ${describeIssues(parsed.error)}`),
        details,
      );
    }
    return parsed.data;
  }

  /** One request under its own client span; `resendCount` is 1 for the request repeated after a token refresh. */
  async #send(
    url: string,
    spec: RequestSpec,
    op: Operation,
    token: string,
    redact: Redactor,
    opts: CallOptions,
    resendCount = 0,
  ): Promise<OpenedResponse> {
    const template = pathTemplate(spec.segments);
    const attributes: Attributes = {
      ...this.#server,
      'http.request.method': spec.method,
      'url.path': `${this.#basePath}${op.path}`,
      'url.template': template,
      ...(resendCount > 0 && { 'http.request.resend_count': resendCount }),
    };
    return tracer.startActiveSpan(`${spec.method} ${template}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const { assistantName, userAgent } = this.#config;
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'assistant-name': assistantName,
        accept: spec.accept ?? 'application/json',
        'user-agent': userAgent,
      };
      if (spec.body !== undefined) headers['content-type'] = 'application/json';
      // The W3C trace context (traceparent) of this span, when tracing is on.
      propagation.inject(context.active(), headers);
      const deadline = new Deadline(opts.timeoutMs ?? this.#config.timeoutMs, opts.signal);
      try {
        const res = await this.#config.fetch(url, {
          method: spec.method,
          headers,
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          signal: deadline.signal,
        });
        const rootUuid = res.headers.get('x-moveworks-root-uuid') ?? res.headers.get('x-trace-id') ?? undefined;
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        recordResponse(span, res.status, retryAfterMs, rootUuid);
        this.#observe(spec.method, template, res.status, retryAfterMs, rootUuid);
        return { res, deadline, op, redact, rootUuid };
      } catch (err) {
        deadline.dispose();
        const failure = deadline.translate(err, op, redact);
        recordFailure(span, failure);
        throw failure;
      } finally {
        span.end();
      }
    });
  }

  /** An observer's failure must never fail the call it watches. */
  #observe(
    method: string,
    path: string,
    status: number,
    retryAfterMs: number | undefined,
    rootUuid: string | undefined,
  ): void {
    const observer = this.#config.onExchange;
    if (!observer) return;
    const exchange = { method, path, status, rootUuid };
    try {
      observer(retryAfterMs === undefined ? exchange : { ...exchange, retryAfterMs });
    } catch {
      // ignored: metrics and logs are best effort
    }
  }

  /** Reads the body (at most maxResponseBytes) under the response's deadline, then releases the deadline. */
  async readText(opened: OpenedResponse, maxBytes = this.#config.maxResponseBytes): Promise<BodyText> {
    try {
      return await readBodyText(opened.res, maxBytes);
    } catch (err) {
      throw opened.deadline.translate(err, opened.op, opened.redact);
    } finally {
      opened.deadline.dispose();
    }
  }
}

/*
 * A span says what was asked and what came back: method, server, path, route template, status, Retry-After, the
 * Moveworks root uuid; names from the OpenTelemetry HTTP semantic conventions where they have one. Never the query,
 * the headers (the token) or a body (the question, the answer).
 */

/**
 * The response on the request's span: its status (an error from 400 on, as the HTTP conventions say for a client),
 * the wait a 429 or 503 asked for, and the id Moveworks support traces a request by.
 */
function recordResponse(span: Span, status: number, retryAfterMs: number | undefined, rootUuid: string | undefined) {
  span.setAttribute('http.response.status_code', status);
  if (retryAfterMs !== undefined) span.setAttribute('mwbatch.retry_after_ms', retryAfterMs);
  if (rootUuid) span.setAttribute('mwbatch.moveworks.root_uuid', rootUuid);
  if (status >= 400) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** No response (a timeout, a network failure, the caller's abort): the error's name and its redacted message. */
function recordFailure(span: Span, failure: unknown) {
  const error = failure instanceof Error ? failure : undefined;
  span.setAttribute('error.type', error?.name ?? 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
}

export interface BodyText {
  /** The body decoded as UTF-8, or its first `maxBytes` bytes when it is longer. */
  text: string;
  /** False when the body was longer than `maxBytes`: reading stopped there and the body was cancelled. */
  complete: boolean;
}

/** Reads a body chunk by chunk, never holding more than `maxBytes` of it (plus the chunk that crossed the cap). */
export async function readBodyText(res: globalThis.Response, maxBytes: number): Promise<BodyText> {
  const parts: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  // chunksOf cancels the body (and so closes the connection) when the loop is left early.
  for await (const chunk of res.body ? chunksOf(res.body) : []) {
    const room = maxBytes - size;
    if (chunk.byteLength > room) {
      parts.push(chunk.subarray(0, room));
      complete = false;
      break;
    }
    parts.push(chunk);
    size += chunk.byteLength;
  }
  // Like Response.text(): invalid sequences become U+FFFD and a leading byte order mark is dropped.
  return { text: new TextDecoder('utf-8').decode(Buffer.concat(parts)), complete };
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
