// The SSE side of create-response. The stream follows the same stored turn GET returns, so a client whose
// stream broke can poll the response. Progress is checked on a short real-time tick against the simulator
// clock, so a test that moves the clock sees the next events promptly.
import type { ServerResponse } from 'node:http';
import type { StreamEarly } from './answers';
import { isTerminal, messageItem, reasoningItem, renderResponse, statusAt, type Turn } from './turns';

export type StreamEnd = 'completed' | 'failed' | 'cut-stream' | 'stream-error' | 'not-sse' | 'client-closed';

export interface StreamOptions {
  now: () => number;
  keepAliveMs: number;
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
    const write = (chunk: string, done?: () => void): void => {
      lastWrite = Date.now();
      res.write(chunk, done);
    };
    const send = (name: string, data: Record<string, unknown>): void => {
      const payload = name === 'ERROR' ? data : { event_type: name, sequence_number: ++sequence, ...data };
      write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    };
    const writeHead = (status: number, headers: Record<string, string | number>): void => {
      res.writeHead(status, headers);
      options.onHeaders?.();
    };
    const sendError = (): void => {
      send('ERROR', { error: { code: 'INTERNAL', message: 'Simulated mid-stream failure.' } });
      res.end();
      finish('stream-error');
    };

    /** Failures before the first event: the turn is stored, the client learns nothing about it. */
    const failEarly = (early: StreamEarly): void => {
      if (early === 'not-sse') {
        const body = JSON.stringify(renderResponse(turn, options.now()));
        writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
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
        write(': keep-alive\n\n');
        send('RESPONSE_OUTPUT_DELTA', { output: reasoningItem(turn) });
        if (turn.streamFault === 'error') return sendError();
      }
      if (isTerminal(status)) {
        if (status === 'COMPLETED') {
          send('RESPONSE_OUTPUT_DELTA', { output: messageItem(turn) });
          send('RESPONSE_COMPLETED', { response: renderResponse(turn, now) });
        } else {
          send('RESPONSE_FAILED', { response: renderResponse(turn, now) });
        }
        res.end();
        finish(status === 'COMPLETED' ? 'completed' : 'failed');
        return;
      }
      if (Date.now() - lastWrite >= options.keepAliveMs) write(': keep-alive\n\n');
    };

    res.on('close', () => finish('client-closed'));
    // The turn is already stored; a headers delay only holds back what the client sees.
    if (turn.headersDelayMs > 0) timers.headersDelay = setTimeout(begin, turn.headersDelayMs);
    else begin();
  });
}
