/**
 * Reading a simulator stream with its comments. The product's reader (readServerSentEvents in moveworks/sse.ts)
 * drops comment lines, as a client should; the simulator's tests also check its keep-alives (`: keep-alive`), so
 * this reader yields those too, in the order they arrive. Events are still interpreted by the product's own parser.
 * Line ends: LF or CRLF (what the simulator sends).
 */
import { chunksOf, EventStreamParser } from '../../moveworks/sse';

export type SseItem = { kind: 'event'; event: string; data: string } | { kind: 'comment'; text: string };

/** The events and comments of a fetch body as they arrive; a broken connection is thrown. */
export async function* readSseWithComments(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  const parser = new EventStreamParser();
  let unfinishedLine = '';
  for await (const chunk of chunksOf(body)) {
    const lines = (unfinishedLine + decoder.decode(chunk, { stream: true })).split('\n');
    unfinishedLine = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(':')) {
        yield { kind: 'comment', text: line.slice(1).trim() };
        continue;
      }
      for (const { event, data } of parser.push(`${line}\n`)) yield { kind: 'event', event, data };
    }
  }
}
