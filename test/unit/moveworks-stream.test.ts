/**
 * The client's streamed responses (createResponseStream): typed events, failures before and after the response is
 * named, and the cap on a line's length.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  ForbiddenError,
  MoveworksClient,
  RequestTimeoutError,
  ResponseTooLargeError,
  StaticTokenAuth,
  StreamError,
  type ResponseStreamEvent,
} from '../../moveworks';
import { apiError, assistantMessage, response, startServer, type RecordedRequest } from './moveworks-fixture';
import { waitFor } from '../helpers/wait';

type StreamScript = (res: ServerResponse, req: RecordedRequest) => void;

function sse(name: string | undefined, data: unknown, seq?: number): string {
  const payload =
    typeof data === 'string' ? data : JSON.stringify({ event_type: name, sequence_number: seq, ...(data as object) });
  return `${name ? `event: ${name}\n` : ''}data: ${payload}\n\n`;
}

const created = sse('RESPONSE_CREATED', { response: response('CREATED') }, 1);
const inProgress = sse('RESPONSE_IN_PROGRESS', { response: response('IN_PROGRESS') }, 2);
const delta = sse(
  'RESPONSE_OUTPUT_DELTA',
  { output: { type: 'MESSAGE', message: assistantMessage('msg_1', 'Hello') } },
  3,
);
const completed = sse(
  'RESPONSE_COMPLETED',
  { response: response('COMPLETED', { outputs: [{ type: 'MESSAGE', message: assistantMessage('msg_1', 'Hello') }] }) },
  4,
);

async function streamClient(
  script: StreamScript,
  opts: {
    timeoutMs?: number;
    streamIdleTimeoutMs?: number;
    maxStreamLineLength?: number;
    onUnknown?: (w: string, v: string) => void;
  } = {},
) {
  const server = await startServer((req, res) => {
    if (req.headers.accept !== 'text/event-stream') return apiError(res, 400, 'INVALID_INPUT', 'Accept');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-moveworks-root-uuid': 'root-s' });
    res.flushHeaders();
    script(res, req);
  });
  return new MoveworksClient({
    baseUrl: `${server.url}/rest/v1beta1`,
    assistantName: 'acme-capi',
    auth: new StaticTokenAuth('stream-token-abcdef'),
    timeoutMs: opts.timeoutMs ?? 5_000,
    streamIdleTimeoutMs: opts.streamIdleTimeoutMs,
    maxStreamLineLength: opts.maxStreamLineLength,
    onUnknown: opts.onUnknown,
  });
}

describe('createResponseStream', () => {
  it('yields typed events, skips unknown ones and resolves the final response', async () => {
    const unknown: Array<[string, string]> = [];
    const client = await streamClient(
      (res, req) => {
        expect(JSON.parse(req.body)).toEqual({ input: { text: 'q' } });
        res.write(': keep-alive\n\n' + created + inProgress);
        res.write(sse('RESPONSE_TYPING', '{"x":1}') + delta.slice(0, 10));
        res.end(delta.slice(10) + completed);
      },
      { onUnknown: (what, value) => unknown.push([what, value]) },
    );
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    expect(stream.rootUuid).toBe('root-s');
    const seen: ResponseStreamEvent['event'][] = [];
    for await (const event of stream) {
      seen.push(event.event);
      if (event.event === 'RESPONSE_OUTPUT_DELTA') expect(event.data.output.type).toBe('MESSAGE');
    }
    expect(seen).toEqual(['RESPONSE_CREATED', 'RESPONSE_IN_PROGRESS', 'RESPONSE_OUTPUT_DELTA', 'RESPONSE_COMPLETED']);
    expect(stream.responseId).toBe('resp_1');
    expect(unknown).toEqual([['StreamEvent.event', 'RESPONSE_TYPING']]);
    // finalResponse also works after the loop has read the stream to its end
    expect((await stream.finalResponse()).status).toBe('COMPLETED');
  });

  it('finalResponse returns a FAILED response as a result, not an error', async () => {
    const client = await streamClient((res) => {
      res.end(created + sse('RESPONSE_FAILED', { response: response('FAILED', { completed_at: null }) }, 2));
    });
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    expect((await stream.finalResponse()).status).toBe('FAILED');
  });

  it('falls back to event_type when the event has no event: line', async () => {
    const client = await streamClient((res) =>
      res.end(
        sse(undefined, { event_type: 'RESPONSE_COMPLETED', sequence_number: 1, response: response('COMPLETED') }),
      ),
    );
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    expect((await stream.finalResponse()).response_id).toBe('resp_1');
  });

  it('throws StreamError with the response ID when the stream ends without a terminal event', async () => {
    const client = await streamClient((res) => res.end(created + inProgress));
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ responseId: 'resp_1', rootUuid: 'root-s' });
    expect((err as Error).message).toBe(
      'POST /conversations/conv_1/responses/stream: stream ended before a terminal event (response resp_1) (root uuid root-s)',
    );
  });

  it('throws StreamError with the ERROR event code', async () => {
    const client = await streamClient((res) =>
      res.end(created + sse('ERROR', { error: { code: 'INTERNAL', message: 'boom' } })),
    );
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: 'INTERNAL', responseId: 'resp_1' });
    expect((err as Error).message).toContain('ERROR event: INTERNAL boom');
  });

  it('turns a silent stream into StreamError STREAM_IDLE_TIMEOUT after the stream idle timeout', async () => {
    const client = await streamClient((res) => res.write(created), { timeoutMs: 5_000, streamIdleTimeoutMs: 200 });
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ responseId: 'resp_1', code: 'STREAM_IDLE_TIMEOUT' });
    expect((err as Error).cause).toBeInstanceOf(RequestTimeoutError);
    expect((err as Error).message).toContain('no data for 200 ms (stream idle timeout)');
  });

  it('waits longer than the request timeout for the next event: the idle timeout defaults to 125 s', async () => {
    // The server is silent for three request timeouts between two events, as one that thinks without heartbeats.
    const client = await streamClient(
      (res) => {
        res.write(created);
        setTimeout(() => res.end(completed), 1_200);
      },
      { timeoutMs: 400 },
    );
    expect(client.streamIdleTimeoutMs).toBe(125_000);
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    expect((await stream.finalResponse()).status).toBe('COMPLETED');
  });

  it('reports malformed event data as StreamError', async () => {
    const client = await streamClient((res) => res.end(created + sse('RESPONSE_IN_PROGRESS', '{not json')));
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const err = await stream.finalResponse().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect((err as Error).message).toContain('RESPONSE_IN_PROGRESS event data is not JSON');
  });

  it('abort() ends iteration quietly and finalResponse() rejects with the abort reason', async () => {
    const client = await streamClient((res) => res.write(created)); // then stays open
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const events: string[] = [];
    for await (const event of stream) {
      events.push(event.event);
      stream.abort();
    }
    expect(events).toEqual(['RESPONSE_CREATED']);
    const other = await client.createResponseStream('conv_1', { text: 'q' });
    other.abort(new Error('user stopped'));
    await expect(other.finalResponse()).rejects.toThrow('user stopped');
  });

  it('throws the same error classes before the stream starts', async () => {
    const server = await startServer((_req, res) =>
      apiError(res, 403, 'FORBIDDEN', 'Invalid assistant', { 'x-moveworks-root-uuid': 'r' }),
    );
    const client = new MoveworksClient({
      baseUrl: server.url,
      assistantName: 'x',
      auth: new StaticTokenAuth('tok-abcdef'),
    });
    const err = await client.createResponseStream('conv_1', { text: 'q' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toBe(
      'POST /conversations/conv_1/responses/stream: 403 FORBIDDEN Invalid assistant (root uuid r)',
    );
  });
});

describe('stream failures before the response is named', () => {
  async function rawClient(handler: (res: ServerResponse) => void) {
    const server = await startServer((_req, res) => handler(res));
    return new MoveworksClient({
      baseUrl: server.url,
      assistantName: 'acme-capi',
      auth: new StaticTokenAuth('stream-token-abcdef'),
      timeoutMs: 5_000,
    });
  }

  /** The StreamError of a stream call, whether createResponseStream or the reading rejects. */
  async function streamFailure(client: MoveworksClient): Promise<StreamError> {
    const err = await client
      .createResponseStream('conv_1', { text: 'q' })
      .then((stream) => stream.finalResponse())
      .then(
        () => new Error('expected a rejection'),
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(StreamError);
    return err as StreamError;
  }

  it('a 200 JSON Response instead of an event stream is a StreamError STREAM_NOT_SSE naming it, to poll', async () => {
    const client = await rawClient((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-moveworks-root-uuid': 'root-j' });
      res.end(JSON.stringify(response('CREATED')));
    });
    const err = await streamFailure(client);
    expect(err.responseId).toBe('resp_1');
    expect(err).toMatchObject({ status: 200, rootUuid: 'root-j', code: 'STREAM_NOT_SSE' });
    expect(err.message).toBe(
      'POST /conversations/conv_1/responses/stream: 200 answer is not an event stream (content-type application/json)' +
        ' (body: {"response_id":"resp_1","conversation_id":"conv_1","status":"CREATED","created_at":"2025-01-20T10:00:00Z"})' +
        ' (response resp_1) (root uuid root-j)',
    );
  });

  it('a 200 page that is not an event stream is a StreamError STREAM_NOT_SSE without a response ID', async () => {
    const client = await rawClient((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy says wait</html>');
    });
    const err = await streamFailure(client);
    expect(err.responseId).toBeUndefined();
    expect(err).toMatchObject({ status: 200, code: 'STREAM_NOT_SSE' });
    expect(err.message).toContain('200 answer is not an event stream (content-type text/html)');
  });

  it('a 2xx event stream without a body is a StreamError without a response ID', async () => {
    const client = await rawClient((res) => res.writeHead(204, { 'content-type': 'text/event-stream' }).end());
    const err = await streamFailure(client);
    expect(err.responseId).toBeUndefined();
    expect(err.message).toBe('POST /conversations/conv_1/responses/stream: 204 answer has no body');
  });

  it('an ERROR event before any other event is a StreamError without a response ID', async () => {
    const client = await streamClient((res) => res.end(sse('ERROR', { error: { code: 'INTERNAL', message: 'boom' } })));
    const err = await streamFailure(client);
    expect(err.responseId).toBeUndefined();
    expect(err).toMatchObject({ code: 'INTERNAL' });
    expect(err.message).toBe(
      'POST /conversations/conv_1/responses/stream: ERROR event: INTERNAL boom (root uuid root-s)',
    );
  });

  it('a stream that ends before any event is a StreamError without a response ID', async () => {
    const client = await streamClient((res) => res.end(': keep-alive\n\n'));
    const err = await streamFailure(client);
    expect(err.responseId).toBeUndefined();
    expect(err.message).toBe(
      'POST /conversations/conv_1/responses/stream: stream ended before a terminal event (root uuid root-s)',
    );
  });

  it('a connection dropped before any event is a StreamError without a response ID', async () => {
    const client = await streamClient((res) => res.write(': keep-alive\n\n', () => res.destroy()));
    const err = await streamFailure(client);
    expect(err.responseId).toBeUndefined();
    expect(err.message).toMatch(/^POST \/conversations\/conv_1\/responses\/stream: stream interrupted: /);
  });
});

describe('stream line size cap', () => {
  it('ends the stream with ResponseTooLargeError once a line passes maxStreamLineLength, without waiting for its end', async () => {
    let closed = false;
    const client = await streamClient(
      (res) => {
        res.on('close', () => (closed = true));
        // After the response is named, an event whose line outgrows the cap and never ends.
        res.write(created + 'event: RESPONSE_IN_PROGRESS\ndata: {"padding":"' + 'x'.repeat(10_000));
      },
      { maxStreamLineLength: 8_000, timeoutMs: 3_000 },
    );
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of stream) seen.push(event.event);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['RESPONSE_CREATED']);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toMatchObject({ responseId: 'resp_1', rootUuid: 'root-s', limit: 8_000, unit: 'characters' });
    expect((err as Error).message).toBe(
      'POST /conversations/conv_1/responses/stream: an event stream line exceeds the size limit of 8000 characters' +
        ' (response resp_1) (root uuid root-s)',
    );
    await expect(stream.finalResponse()).rejects.toBe(err);
    await waitFor('the server to see the stream closed', () => closed, 5_000);
  });

  it('reads events up to the cap', async () => {
    const client = await streamClient((res) => res.end(created + completed), {
      maxStreamLineLength: completed.split('\n')[1]!.length,
    });
    const stream = await client.createResponseStream('conv_1', { text: 'q' });
    expect((await stream.finalResponse()).status).toBe('COMPLETED');
  });
});
