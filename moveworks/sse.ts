/**
 * A server-sent events reader following the WHATWG "event stream interpretation" rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
 * robust to any chunking of the byte stream, with an optional cap on the length of a line.
 */
import { ResponseTooLargeError, tooLargeMessage } from './errors';

export interface ServerSentEvent {
  /** The `event:` field, or "message" when the event had none. */
  event: string;
  /** All `data:` lines of the event joined with "\n". */
  data: string;
  /** The last event ID seen on the stream so far (it persists across events, per the spec). */
  id?: string;
  /** A `retry:` hint (ms) received since the previous dispatched event. */
  retry?: number;
  /**
   * Set on an event the stream ended in the middle of (no closing blank line). The WHATWG rules discard it; this
   * reader delivers it, because a server that closes right after its final event without the blank line is common,
   * and the caller decides (its data may also be cut short).
   */
  unterminated?: true;
}

const LF = 0x0a;
const CR = 0x0d;
const LINE = 'an event stream line';
const EVENT_DATA = 'the data of one event stream event';

export interface ServerSentEventsOptions {
  /**
   * Longest line allowed, in characters; the `data:` lines of one event together are held to the same cap.
   * Going over it throws ResponseTooLargeError as soon as it is seen, before the rest of the line is read.
   * Default: no cap.
   */
  maxLineLength?: number;
}

export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: ServerSentEventsOptions = {},
): AsyncGenerator<ServerSentEvent> {
  // `stream: true` keeps a multi-byte character that is split across chunks until it is complete.
  // The default (ignoreBOM false) drops a leading byte order mark, as the spec requires.
  const decoder = new TextDecoder('utf-8');
  const parser = new EventStreamParser(options.maxLineLength);
  for await (const chunk of chunksOf(body)) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  // End of stream: an event without its closing blank line (its last line possibly unfinished) is delivered,
  // marked `unterminated`.
  yield* parser.end();
}

/**
 * Incremental line splitter and field interpreter. Linear in its input: each character is examined once,
 * and the pieces of an unfinished line are kept apart and joined once, when the line ends.
 */
export class EventStreamParser {
  /** Pieces of the line that is not finished yet. */
  #pending: string[] = [];
  #pendingLength = 0;
  /** The previous text ended with CR, so a LF at the start of the next text belongs to that line break. */
  #skipLeadingLF = false;
  #eventType = '';
  #data: string[] = [];
  /** Characters in #data, counting the "\n" that will join them. */
  #dataLength = 0;
  #lastEventId = '';
  #retry: number | undefined;
  #scanned = 0;

  constructor(readonly maxLineLength = Infinity) {}

  /** Characters examined so far; equal to the input's length, which the tests use to check linearity. */
  get charsScanned(): number {
    return this.#scanned;
  }

  *push(text: string): Generator<ServerSentEvent> {
    if (text === '') return;
    let lineStart = 0;
    if (this.#skipLeadingLF && text.charCodeAt(0) === LF) lineStart = 1;
    this.#skipLeadingLF = false;
    this.#scanned += text.length - lineStart;
    for (let i = lineStart; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== LF && ch !== CR) continue;
      const event = this.#line(this.#finishLine(text.slice(lineStart, i)));
      if (event) yield event;
      if (ch === CR) {
        if (i + 1 === text.length) this.#skipLeadingLF = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      lineStart = i + 1;
    }
    if (lineStart < text.length) {
      this.#pending.push(text.slice(lineStart));
      this.#pendingLength += text.length - lineStart;
      this.#checkLength(LINE, this.#pendingLength);
    }
  }

  /** At the end of the stream: the event in progress, if it has data, marked `unterminated`. */
  *end(): Generator<ServerSentEvent> {
    if (this.#pendingLength > 0) {
      const event = this.#line(this.#finishLine(''));
      if (event) yield event;
    }
    this.#pending = [];
    this.#pendingLength = 0;
    const event = this.#dispatch();
    if (event) yield { ...event, unterminated: true };
  }

  /** The whole line whose last piece is `tail`. */
  #finishLine(tail: string): string {
    this.#checkLength(LINE, this.#pendingLength + tail.length);
    if (this.#pending.length === 0) return tail;
    this.#pending.push(tail);
    const line = this.#pending.join('');
    this.#pending = [];
    this.#pendingLength = 0;
    return line;
  }

  #checkLength(what: string, length: number): void {
    if (length <= this.maxLineLength) return;
    const message = tooLargeMessage(what, this.maxLineLength, 'characters');
    throw new ResponseTooLargeError(message, { limit: this.maxLineLength, unit: 'characters' });
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined; // comment, e.g. a heartbeat
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#dataLength += (this.#data.length > 0 ? 1 : 0) + value.length;
        this.#checkLength(EVENT_DATA, this.#dataLength);
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default: // unknown fields are ignored
    }
    return undefined;
  }

  #dispatch(): ServerSentEvent | undefined {
    const data = this.#data;
    const eventType = this.#eventType;
    this.#data = [];
    this.#dataLength = 0;
    this.#eventType = '';
    if (data.length === 0) return undefined;
    const event: ServerSentEvent = { event: eventType || 'message', data: data.join('\n') };
    if (this.#lastEventId !== '') event.id = this.#lastEventId;
    if (this.#retry !== undefined) event.retry = this.#retry;
    this.#retry = undefined;
    return event;
  }
}

/** The chunks of a web ReadableStream or any async iterable; an early stop cancels the stream. */
export async function* chunksOf(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!isReadableStream(body)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (consumer broke out or threw): release the connection.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as { getReader?: unknown }).getReader === 'function';
}
