// The SSE side of create-response. The stream follows the same stored turn GET returns, so a client whose
// stream broke can poll the response. Progress is checked on a short real-time tick against the simulator
// clock, so a test that moves the clock sees the next events promptly.
import type { ServerResponse } from 'node:http';
import type { StreamEarly } from './answers';
import {
  isTerminal,
  isUndocumentedEnd,
  messageItem,
  reasoningItem,
  renderResponse,
  statusAt,
  type Turn,
} from './turns';

export type StreamEnd =
  'completed' | 'failed' | 'undocumented-end' | 'cut-stream' | 'stream-error' | 'not-sse' | 'client-closed';

/** How the bytes of the stream are written (the realism knobs): all legal SSE, none of it in the published examples. */
export interface WireOptions {
  lineEnding: 'lf' | 'crlf' | 'cr';
  /** Comment lines before each event and between its fields. */
  comments: boolean;
  /** When > 0, each event goes out in pieces of this many bytes (splitting UTF-8 characters), flushed one by one. */
  chunkBytes: number;
  /** False: the last event is not followed by its closing blank line. */
  finalBlankLine: boolean;
}

const PLAIN_WIRE: WireOptions = { lineEnding: 'lf', comments: false, chunkBytes: 0, finalBlankLine: true };
const LINE_ENDINGS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

export interface StreamOptions {
  now: () => number;
  /** Real-time interval of `: keep-alive` comments; 0 = none. */
  keepAliveMs: number;
  wire?: WireOptions;
  tickMs?: number;
  /** Called when the 200 status line and headers are written. */
  onHeaders?: () => void;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

/** The request-log fault name of a streamed turn, if any (an early failure wins over a headers delay). */
export function streamFaultName(turn: Turn): string | undefined {
  if (turn.streamEarly !== null) return `stream-early-${turn.streamEarly}`;
  if (turn.streamFault === 'cut') return 'cut-stream';
  if (turn.streamFault === 'error') return 'stream-error';
  if (turn.headersDelayMs > 0) return 'headers-delay';
  return undefined;
}

export function streamTurn(res: ServerResponse, turn: Turn, options: StreamOptions): Promise<StreamEnd> {
  return new Promise((resolve) => {
    let sequence = 0;
    let inProgressSent = false;
    let lastWrite = Date.now();
    let finished = false;
    const timers: { ticker?: NodeJS.Timeout; headersDelay?: NodeJS.Timeout } = {};

    const finish = (end: StreamEnd): void => {
      if (finished) return;
      finished = true;
      clearInterval(timers.ticker);
      clearTimeout(timers.headersDelay);
      resolve(end);
    };
    const wire = options.wire ?? PLAIN_WIRE;
    const eol = LINE_ENDINGS[wire.lineEnding];
    // With chunkBytes, writes queue up and go out piece by piece; `end` waits for the queue.
    let queue = Promise.resolve();
    const writePieces = async (bytes: Buffer): Promise<void> => {
      for (let at = 0; at < bytes.length && !res.destroyed; at += wire.chunkBytes) {
        // Each piece is handed to the socket (no delay: its own TCP segment) before the next is written.
        await new Promise<void>((resolve) => res.write(bytes.subarray(at, at + wire.chunkBytes), () => resolve()));
      }
    };
    const write = (chunk: string, done?: () => void): void => {
      lastWrite = Date.now();
      if (wire.chunkBytes <= 0) {
        res.write(chunk, done);
        return;
      }
      queue = queue.then(() => writePieces(Buffer.from(chunk, 'utf8'))).then(done);
    };
    const end = (): void => {
      if (wire.chunkBytes <= 0) res.end();
      else void queue.then(() => res.end());
    };
    /** One event; `last` marks the stream's final one (sent without its blank line when the wire says so). */
    const send = (name: string, data: Record<string, unknown>, last = false): void => {
      const payload = name === 'ERROR' ? data : { event_type: name, sequence_number: ++sequence, ...data };
      const lines = [`event: ${name}`, `data: ${JSON.stringify(payload)}`];
      if (wire.comments) lines.splice(1, 0, ': simulator comment between fields');
      if (wire.comments) lines.unshift(`: simulator comment before ${name}`);
      const blank = last && !wire.finalBlankLine ? '' : eol;
      write(lines.join(eol) + eol + blank);
    };
    const keepAlive = (): void => write(`: keep-alive${eol}${eol}`);
    const writeHead = (status: number, headers: Record<string, string | number>): void => {
      res.writeHead(status, headers);
      options.onHeaders?.();
    };
    const sendError = (): void => {
      send('ERROR', { error: { code: 'INTERNAL', message: 'Simulated mid-stream failure.' } }, true);
      end();
      finish('stream-error');
    };

    /** Failures before the first event: the turn is stored, the client learns nothing about it. */
    const failEarly = (early: StreamEarly): void => {
      if (early === 'not-sse' || early === 'html') {
        const [type, body] =
          early === 'html'
            ? ['text/html; charset=utf-8', '<html><body><h1>Please wait</h1><p>Proxy page.</p></body></html>']
            : ['application/json', JSON.stringify(renderResponse(turn, options.now()))];
        writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        finish('not-sse');
        return;
      }
      writeHead(200, SSE_HEADERS);
      if (early === 'error') return sendError();
      // Flush the headers, then drop the connection before any event.
      res.write('', () => res.destroy());
      finish('cut-stream');
    };

    const begin = (): void => {
      if (finished) return;
      if (turn.streamEarly !== null) return failEarly(turn.streamEarly);
      writeHead(200, SSE_HEADERS);
      send('RESPONSE_CREATED', { response: renderResponse(turn, options.now(), 'CREATED') });
      if (turn.streamFault === 'cut') {
        // Close the connection without a terminal event once RESPONSE_CREATED has been flushed.
        res.write('', () => res.destroy());
        finish('cut-stream');
        return;
      }
      timers.ticker = setInterval(tick, options.tickMs ?? 20);
      tick();
    };

    const tick = (): void => {
      if (finished) return;
      const now = options.now();
      const status = statusAt(turn, now);
      if (status !== 'CREATED' && !inProgressSent) {
        inProgressSent = true;
        send('RESPONSE_IN_PROGRESS', { response: renderResponse(turn, now, 'IN_PROGRESS') });
        keepAlive();
        send('RESPONSE_OUTPUT_DELTA', { output: reasoningItem(turn) });
        if (turn.streamFault === 'error') return sendError();
      }
      if (isTerminal(status)) {
        if (status === 'COMPLETED') {
          if (!turn.noOutput) send('RESPONSE_OUTPUT_DELTA', { output: messageItem(turn) });
          send('RESPONSE_COMPLETED', { response: renderResponse(turn, now) }, true);
        } else {
          send('RESPONSE_FAILED', { response: renderResponse(turn, now) }, true);
        }
        end();
        finish(status === 'COMPLETED' ? 'completed' : 'failed');
        return;
      }
      if (isUndocumentedEnd(status)) {
        // `[sim:status=NAME]`: an event name the contract does not list, then the stream closes.
        send('RESPONSE_UPDATED', { response: renderResponse(turn, now) }, true);
        end();
        finish('undocumented-end');
        return;
      }
      if (options.keepAliveMs > 0 && Date.now() - lastWrite >= options.keepAliveMs) keepAlive();
    };

    res.on('close', () => finish('client-closed'));
    // The turn is already stored; a headers delay only holds back what the client sees.
    if (turn.headersDelayMs > 0) timers.headersDelay = setTimeout(begin, turn.headersDelayMs);
    else begin();
  });
}
