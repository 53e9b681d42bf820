/**
 * A real HTTP server on 127.0.0.1 for the Moveworks client unit tests (no fetch mocks), a client pointed at it,
 * and the API's bodies as the tests send them.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { MoveworksClient, StaticTokenAuth, type MoveworksClientOptions } from '../../moveworks';
import { sendJson } from '../../simulator/http-io';

export { sendJson };

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

// The return value is ignored (handlers may `return res.end(...)`); a rejected promise answers 599.
export type Handler = (req: RecordedRequest, res: ServerResponse) => unknown;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Resolves with the next request the server receives (registered before it arrives). */
  nextRequest(): Promise<RecordedRequest>;
  /** Closes at once; the end of the test closes it anyway. */
  close(): Promise<void>;
}

/** A server for the running test, answering with `handler`; closed when the test ends (pass or fail). */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<(req: RecordedRequest) => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      waiters.shift()?.(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  onTestFinished(close);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close,
  };
}

/** The bearer token `clientFor` clients send. */
export const TOKEN = 'mwt_unit_test_bearer_0123456789';

/** A server answering with `handler`, and a client of it (assistant `acme-capi`, bearer TOKEN) for the running test. */
export async function clientFor(handler: Handler, options: Partial<MoveworksClientOptions> = {}) {
  const srv = await startServer(handler);
  const client = new MoveworksClient({
    baseUrl: `${srv.url}/rest/v1beta1/`,
    assistantName: 'acme-capi',
    auth: new StaticTokenAuth(TOKEN),
    ...options,
  });
  return { client, srv };
}

export function apiError(res: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

export const T0 = '2025-01-20T10:00:00Z';

export function conversation(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { conversation_id: id, created_at: T0, updated_at: T0, ...extra };
}

export function assistantMessage(
  id: string,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    message_id: id,
    conversation_id: 'conv_1',
    response_id: 'resp_1',
    actor: 'ASSISTANT',
    content: { type: 'MARKDOWN_TEXT', markdown_text: { text } },
    created_at: T0,
    ...extra,
  };
}

export function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { response_id: 'resp_1', conversation_id: 'conv_1', status, created_at: T0, ...extra };
}
