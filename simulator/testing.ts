// Helpers for tests that drive the simulator: a clock they can move, and a minimal SSE reader.

export interface ManualClock {
  (): number;
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that only moves when told to. Starts at 2025-01-20T10:00:00Z (the docs' example time). */
export function manualClock(start = Date.UTC(2025, 0, 20, 10, 0, 0)): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

export type SseEvent = { kind: 'event'; event: string; data: string } | { kind: 'comment'; text: string };

/**
 * Yields SSE events and comment lines from a fetch body as they arrive. Events are separated by a blank
 * line; multi-line `data:` fields are joined with newlines. A broken connection surfaces as a thrown error.
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      yield* parseBlock(block);
    }
  }
  if (buffer.trim() !== '') yield* parseBlock(buffer);
}

function* parseBlock(block: string): Generator<SseEvent> {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      yield { kind: 'comment', text: line.slice(1).trim() };
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data.push(value);
  }
  if (data.length > 0) yield { kind: 'event', event, data: data.join('\n') };
}

/** Headers an authorised API call needs, for a simulator with the given config. */
export function apiHeaders(config: { token: string; assistantName: string }): Record<string, string> {
  return {
    authorization: `Bearer ${config.token}`,
    'assistant-name': config.assistantName,
    'content-type': 'application/json',
  };
}
