// The SSE side of create-response. The stream follows the same stored turn GET returns, so a client whose
// stream broke can poll the response. Progress is checked on a short real-time tick against the simulator
// clock, so a test that moves the clock sees the next events promptly.
import type { ServerResponse } from 'node:http';
import { isTerminal, messageItem, reasoningItem, renderResponse, statusAt, type Turn } from './turns';

export type StreamEnd = 'completed' | 'failed' | 'cut-stream' | 'stream-error' | 'client-closed';

export interface StreamOptions {
  now: () => number;
  keepAliveMs: number;
  tickMs?: number;
}

export function streamTurn(res: ServerResponse, turn: Turn, options: StreamOptions): Promise<StreamEnd> {
  return new Promise((resolve) => {
    let sequence = 0;
    let inProgressSent = false;
    let lastWrite = Date.now();
    let finished = false;
    const ticker: { timer?: NodeJS.Timeout } = {};

    const finish = (end: StreamEnd): void => {
      if (finished) return;
      finished = true;
      clearInterval(ticker.timer);
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

    res.on('close', () => finish('client-closed'));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    send('RESPONSE_CREATED', { response: renderResponse(turn, options.now(), 'CREATED') });

    if (turn.streamFault === 'cut') {
      // Close the connection without a terminal event once RESPONSE_CREATED has been flushed.
      res.write('', () => res.destroy());
      finish('cut-stream');
      return;
    }

    const tick = (): void => {
      if (finished) return;
      const now = options.now();
      const status = statusAt(turn, now);
      if (status !== 'CREATED' && !inProgressSent) {
        inProgressSent = true;
        send('RESPONSE_IN_PROGRESS', { response: renderResponse(turn, now, 'IN_PROGRESS') });
        write(': keep-alive\n\n');
        send('RESPONSE_OUTPUT_DELTA', { output: reasoningItem(turn) });
        if (turn.streamFault === 'error') {
          send('ERROR', { error: { code: 'INTERNAL', message: 'Simulated mid-stream failure.' } });
          res.end();
          finish('stream-error');
          return;
        }
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

    ticker.timer = setInterval(tick, options.tickMs ?? 20);
    tick();
  });
}
