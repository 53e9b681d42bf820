/** The server-sent events reader: the WHATWG rules under any chunking, and its line length cap. */
import { describe, expect, it } from 'vitest';
import { readServerSentEvents, ResponseTooLargeError, type ServerSentEvent } from '../../moveworks';
import { EventStreamParser } from '../../moveworks/sse';

const encoder = new TextEncoder();

async function* chunked(parts: Iterable<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

async function collect(parts: Iterable<string | Uint8Array>, maxLineLength?: number): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(chunked(parts), { maxLineLength })) events.push(event);
  return events;
}

// Every feature at once: CRLF, CR and LF line ends, a comment, multi-line data, a field without a colon,
// ids, a retry hint, multi-byte characters (2 and 4 bytes in UTF-8) and a trailing event with no blank line.
const STREAM =
  ': heartbeat\r\n' +
  'event: RESPONSE_CREATED\r\n' +
  'data: {"text":"héllo 😀"}\r\n' +
  '\r\n' +
  'data: line1\n' +
  'data:line2\n' +
  'data:  two spaces\n' +
  'id: 7\n' +
  '\n' +
  'event: custom\r' +
  'data\r' +
  '\r' +
  'retry: 1500\n' +
  'data: x\n' +
  '\n' +
  'data: trailing event without its blank line';

const EXPECTED: ServerSentEvent[] = [
  { event: 'RESPONSE_CREATED', data: '{"text":"héllo 😀"}' },
  { event: 'message', data: 'line1\nline2\n two spaces', id: '7' },
  { event: 'custom', data: '', id: '7' },
  { event: 'message', data: 'x', id: '7', retry: 1500 },
  // Delivered at the end of the stream, marked: a server may close right after its final event's data line.
  { event: 'message', data: 'trailing event without its blank line', id: '7', unterminated: true },
];

describe('readServerSentEvents', () => {
  it('parses a whole stream in one chunk', async () => {
    expect(await collect([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events for every two-chunk split of the bytes', async () => {
    const bytes = encoder.encode(STREAM);
    for (let i = 1; i < bytes.length; i++) {
      const events = await collect([bytes.slice(0, i), bytes.slice(i)]);
      expect(events, `split at byte ${i}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events when fed one byte at a time', async () => {
    const bytes = encoder.encode(STREAM);
    const parts = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(await collect(parts)).toEqual(EXPECTED);
  });

  it('handles a split in the middle of "data:"', async () => {
    expect(await collect(['event: E\nda', 'ta: hello\n\n'])).toEqual([{ event: 'E', data: 'hello' }]);
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = encoder.encode('data: 😀é\n\n');
    const inside = 'data: '.length + 2; // in the middle of the 4-byte emoji
    expect(await collect([bytes.slice(0, inside), bytes.slice(inside)])).toEqual([{ event: 'message', data: '😀é' }]);
  });

  it('treats \\r at the end of one chunk and \\n at the start of the next as one line break', async () => {
    // Were it two breaks, the empty line between them would dispatch "a" on its own.
    expect(await collect(['data: a\r', '\ndata: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('ignores comments and blank lines with no data', async () => {
    expect(await collect([':ping\n\n: another\n\n\n', 'data: ok\n\n'])).toEqual([{ event: 'message', data: 'ok' }]);
  });

  it('resets the event name after each dispatch and strips only one leading space', async () => {
    const events = await collect(['event: A\ndata: 1\n\ndata:   2\n\n']);
    expect(events).toEqual([
      { event: 'A', data: '1' },
      { event: 'message', data: '  2' },
    ]);
  });

  it('delivers a trailing event without its closing blank line at end of stream, marked unterminated', async () => {
    expect(await collect(['data: complete\n\nevent: X\ndata: incomplete\n'])).toEqual([
      { event: 'message', data: 'complete' },
      { event: 'X', data: 'incomplete', unterminated: true },
    ]);
    // Its last line unfinished too (no line end at all), and with CRLF line ends.
    expect(await collect(['event: Y\r\ndata: {"a":1}'])).toEqual([{ event: 'Y', data: '{"a":1}', unterminated: true }]);
    // Nothing after the last blank line: nothing more.
    expect(await collect(['data: a\n\n: comment only\n'])).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('drops a leading byte order mark and ignores unknown fields and ids containing NUL', async () => {
    const events = await collect(['\uFEFFdata: x\nfoo: bar\nid: a\0b\n\n']);
    expect(events).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('reads a web ReadableStream and cancels it when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: one\n\ndata: two\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readServerSentEvents(body)) {
      expect(event.data).toBe('one');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('EventStreamParser', () => {
  it('examines each character once, however finely a long line is chunked', () => {
    // The old parser prepended the unfinished line to every chunk and scanned it again: quadratic work.
    // Counting the characters scanned shows that without a timing-dependent test.
    const parser = new EventStreamParser();
    const payload = 'x'.repeat(64 * 1024);
    const text = `data: ${payload}\n\n`;
    const events: ServerSentEvent[] = [];
    for (let i = 0; i < text.length; i += 16) events.push(...parser.push(text.slice(i, i + 16)));
    expect(events).toEqual([{ event: 'message', data: payload }]);
    expect(parser.charsScanned).toBe(text.length);
  });
});

describe('readServerSentEvents line cap', () => {
  it('accepts a line of exactly maxLineLength characters', async () => {
    const line = `data: ${'é'.repeat(94)}`; // 100 characters (and more bytes: the cap counts characters)
    expect(await collect([line, '\n\n'], 100)).toEqual([{ event: 'message', data: 'é'.repeat(94) }]);
  });

  it('throws ResponseTooLargeError as soon as a line is longer, without reading the rest of it', async () => {
    let chunksRead = 0;
    function* longLine(): Generator<string> {
      yield 'data: ok\n\ndata: ';
      // A 10 000-character line: a reader without the cap would read all 1000 chunks.
      for (let i = 0; i < 1000; i++) {
        chunksRead++;
        yield 'x'.repeat(10);
      }
      yield '\n\n';
    }
    const events: ServerSentEvent[] = [];
    const err = await (async () => {
      for await (const event of readServerSentEvents(chunked(longLine()), { maxLineLength: 100 })) events.push(event);
    })().catch((e: unknown) => e);
    expect(events).toEqual([{ event: 'message', data: 'ok' }]);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toMatchObject({ limit: 100, unit: 'characters' });
    expect((err as Error).message).toBe('an event stream line exceeds the size limit of 100 characters');
    expect(chunksRead).toBe(10); // 6 + 10 × 10 characters is the first length over 100
  });

  it('holds the data lines of one event together to the same cap', async () => {
    const line = `data: ${'x'.repeat(44)}\n`; // 44 characters of data per line, 89 for two joined by "\n"
    expect(await collect([line, line, '\n'], 89)).toHaveLength(1);
    const err = await collect([line, line, line, '\n'], 89).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toBe('the data of one event stream event exceeds the size limit of 89 characters');
  });
});
