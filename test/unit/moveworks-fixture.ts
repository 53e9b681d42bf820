/** A real HTTP server on 127.0.0.1 for the Moveworks client unit tests (no fetch mocks). */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  close(): Promise<void>;
}

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
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
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
