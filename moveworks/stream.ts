/**
 * The typed event stream of POST .../responses/stream. After the 200 headers, any failure other than
 * a caller abort or a line over the size cap becomes a StreamError carrying the response ID (when
 * announced), because the question may already be answered: the safe recovery is polling GetResponse,
 * not re-posting. `responseId` undefined on a StreamError means the stream never named the response.
 */
import type { Deadline, Operation } from './deadline';
import {
  MalformedResponseError,
  MoveworksError,
  ResponseTooLargeError,
  STREAM_FAILURE_CODES,
  StreamError,
} from './errors';
import { snippet, type Redactor } from './redact';
import { parseReporting, ResponseSchema, type AssistantResponse, type UnknownReporter } from './schemas';
import { chunksOf, readServerSentEvents, type ServerSentEvent } from './sse';
import {
  isStreamEventType,
  isTerminalStreamEvent,
  responseIdOf,
  STREAM_EVENT_DATA_SCHEMAS,
  type ResponseStreamEvent,
  type StreamErrorEventData,
} from './stream-events';
import type { OpenedResponse } from './transport';
import { safeReport } from './unknown-values';

/** Whether a 2xx answer to the stream call says it is an event stream. */
export function isEventStream(res: globalThis.Response): boolean {
  const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'text/event-stream';
}

/**
 * The StreamError (code STREAM_NOT_SSE) for a 2xx answer to the stream call that is not an event stream. When the
 * body is a JSON Response (a server that answered as create-response does), its `response_id` is kept, so the
 * caller can poll it instead of asking again; otherwise no response ID is known.
 */
export function notAnEventStream(opened: OpenedResponse, bodyText: string, onUnknown?: UnknownReporter): StreamError {
  const { op, res, rootUuid, redact } = opened;
  const quoted = redact(snippet(bodyText));
  const responseId = responseIdOfJson(bodyText, onUnknown);
  const what = isEventStream(res)
    ? `${res.status} answer has no body`
    : `${res.status} answer is not an event stream (content-type ${res.headers.get('content-type') || 'missing'})` +
      (quoted ? ` (body: ${quoted})` : '');
  return new StreamError(describe(op, what, responseId, rootUuid), {
    ...op,
    status: res.status,
    rootUuid,
    responseId,
    code: STREAM_FAILURE_CODES.notEventStream,
  });
}

function responseIdOfJson(text: string, onUnknown?: UnknownReporter): string | undefined {
  try {
    const parsed = parseReporting(ResponseSchema, JSON.parse(text), onUnknown);
    return parsed.success ? parsed.data.response_id || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** "<method> <path>: <what> (response <id>) (root uuid <uuid>)", the message of every error of a stream. */
function describe(op: Operation, what: string, responseId: string | undefined, rootUuid: string | undefined): string {
  const parts = [`${op.method} ${op.path}: ${what}`];
  if (responseId) parts.push(`(response ${responseId})`);
  if (rootUuid) parts.push(`(root uuid ${rootUuid})`);
  return parts.join(' ');
}

export interface ResponseStreamInit {
  body: ReadableStream<Uint8Array>;
  /** Re-armed on every chunk: it acts as an idle timeout while streaming. */
  deadline: Deadline;
  /**
   * The longest silence allowed between two chunks (an event or a comment), in ms; default: the deadline's own
   * length. Going over it ends the stream with StreamError code STREAM_IDLE_TIMEOUT.
   */
  idleTimeoutMs?: number;
  op: Operation;
  redact: Redactor;
  rootUuid?: string;
  /** Longest SSE line (and event data), in characters; a longer one ends the stream with ResponseTooLargeError. */
  maxLineLength?: number;
  onUnknown?: UnknownReporter;
}

export class ResponseStream implements AsyncIterable<ResponseStreamEvent> {
  readonly #init: ResponseStreamInit;
  #responseId: string | undefined;
  #state: 'idle' | 'reading' | 'done' = 'idle';
  #terminal: ResponseStreamEvent | undefined;
  #failure: unknown;

  /** Built by MoveworksClient.createResponseStream. */
  constructor(init: ResponseStreamInit) {
    this.#init = init;
    if (init.idleTimeoutMs !== undefined) init.deadline.setTimeoutMs(init.idleTimeoutMs);
  }

  /** Set as soon as any event names the response. */
  get responseId(): string | undefined {
    return this.#responseId;
  }

  /** `x-moveworks-root-uuid` of the streaming request. */
  get rootUuid(): string | undefined {
    return this.#init.rootUuid;
  }

  /** Closes the connection; a running iteration ends quietly, finalResponse() rejects with `reason`. */
  abort(reason: unknown = new DOMException('The response stream was aborted', 'AbortError')): void {
    this.#init.deadline.abort(reason);
  }

  /**
   * Yields events until RESPONSE_COMPLETED, RESPONSE_FAILED or ERROR (inclusive), then closes the
   * connection. Unknown event names are reported through onUnknown and skipped. Throws StreamError
   * if the body ends first, and ResponseTooLargeError (with `responseId` when announced) on a line
   * longer than `maxLineLength`. A stream can be iterated once.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ResponseStreamEvent, void, undefined> {
    if (this.#state !== 'idle') throw new Error('a ResponseStream can only be iterated once');
    this.#state = 'reading';
    const { deadline, maxLineLength } = this.#init;
    try {
      for await (const sse of readServerSentEvents(this.#chunks(), { maxLineLength })) {
        const event = this.#parse(sse);
        if (!event) continue;
        this.#responseId ??= responseIdOf(event);
        if (isTerminalStreamEvent(event)) this.#terminal = event;
        yield event;
        if (this.#terminal) return;
      }
    } catch (err) {
      if (deadline.explicitlyAborted && !deadline.callerAborted) return;
      this.#failure = this.#translate(err);
      throw this.#failure;
    } finally {
      this.#state = 'done';
      deadline.dispose();
    }
    if (deadline.explicitlyAborted) return;
    this.#failure = this.#streamError('stream ended before a terminal event', undefined, STREAM_FAILURE_CODES.cut);
    throw this.#failure;
  }

  /**
   * Consumes the stream and resolves with the terminal response (status COMPLETED or FAILED).
   * Throws StreamError on an ERROR event or when the stream ends without a terminal event.
   * Also usable after a for-await loop that read the stream to its end.
   */
  async finalResponse(): Promise<AssistantResponse> {
    if (this.#state === 'reading') throw new Error('finalResponse() cannot run while the stream is being iterated');
    if (this.#state === 'idle') {
      for await (const event of this) void event;
    }
    if (this.#failure !== undefined) throw this.#failure;
    const terminal = this.#terminal;
    if (terminal?.event === 'ERROR') throw this.#errorEvent(terminal.data);
    if (terminal?.event === 'RESPONSE_COMPLETED' || terminal?.event === 'RESPONSE_FAILED') {
      return terminal.data.response;
    }
    if (this.#init.deadline.explicitlyAborted) throw this.#init.deadline.signal.reason;
    throw this.#streamError('iteration stopped before a terminal event', undefined, STREAM_FAILURE_CODES.cut);
  }

  async *#chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunksOf(this.#init.body)) {
      this.#init.deadline.rearm();
      yield chunk;
    }
  }

  #parse(sse: ServerSentEvent): ResponseStreamEvent | undefined {
    const { op, onUnknown, redact } = this.#init;
    let name = sse.event;
    if (name !== 'message' && !isStreamEventType(name)) return this.#skip(name);
    let json: unknown;
    try {
      json = JSON.parse(sse.data);
    } catch {
      // The connection closed in the middle of an event's data: a cut stream, not a malformed event.
      if (sse.unterminated)
        throw this.#streamError('stream ended in the middle of an event', undefined, STREAM_FAILURE_CODES.cut);
      const text = redact(snippet(sse.data));
      throw new MalformedResponseError(`${op.method} ${op.path}: ${name} event data is not JSON: ${text}`, {
        ...op,
        snippet: text,
      });
    }
    // Without an `event:` line, fall back to the `event_type` the payload repeats.
    if (name === 'message') {
      const declared = (json as { event_type?: unknown } | null)?.event_type;
      name = typeof declared === 'string' ? declared : name;
      if (!isStreamEventType(name)) return this.#skip(name);
    }
    const parsed = parseReporting(STREAM_EVENT_DATA_SCHEMAS[name], json, onUnknown);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new MalformedResponseError(`${op.method} ${op.path}: ${name} event has an unexpected shape at ${where}`, {
        ...op,
        snippet: redact(snippet(sse.data)),
      });
    }
    // The schema table is keyed by the same name, so the data matches this variant.
    return { event: name, data: parsed.data } as ResponseStreamEvent;
  }

  #skip(name: string): undefined {
    safeReport(this.#init.onUnknown, 'StreamEvent.event', name, 'event');
    return undefined;
  }

  #translate(err: unknown): unknown {
    const { deadline, op, redact } = this.#init;
    const translated = deadline.translate(err, op, redact);
    if (deadline.callerAborted || translated instanceof StreamError) return translated;
    if (translated instanceof ResponseTooLargeError) {
      // Not a StreamError: the response is too big to hand on, and polling it would not make it smaller.
      const { limit, unit } = translated;
      const message = describe(op, translated.message, this.#responseId, this.#init.rootUuid);
      return new ResponseTooLargeError(message, {
        ...op,
        rootUuid: this.#init.rootUuid,
        limit,
        unit,
        responseId: this.#responseId,
      });
    }
    const prefix = `${op.method} ${op.path}: `;
    let reason = translated instanceof Error ? translated.message : String(translated);
    if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
    let code: string = STREAM_FAILURE_CODES.interrupted;
    if (translated instanceof MalformedResponseError) code = STREAM_FAILURE_CODES.malformedEvent;
    if (deadline.timedOut) {
      reason = `no data for ${deadline.timeoutMs} ms (stream idle timeout)`;
      code = STREAM_FAILURE_CODES.idleTimeout;
    }
    return this.#streamError(`stream interrupted: ${reason}`, translated, code);
  }

  #errorEvent(data: StreamErrorEventData): StreamError {
    const code = data.error.code || undefined;
    const text = [code, data.error.message].filter(Boolean).join(' ') || 'no details';
    return this.#streamError(
      `ERROR event: ${this.#init.redact(text)}`,
      undefined,
      code ?? STREAM_FAILURE_CODES.errorEvent,
    );
  }

  #streamError(what: string, cause?: unknown, code?: string): StreamError {
    const { op, rootUuid } = this.#init;
    const message = describe(op, what, this.#responseId, rootUuid);
    const status = cause instanceof MoveworksError ? cause.status : undefined;
    return new StreamError(message, { ...op, code, status, rootUuid, responseId: this.#responseId, cause });
  }
}
