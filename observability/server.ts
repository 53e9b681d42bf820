/**
 * The worker's metrics and health server, on MWBATCH_METRICS_ADDR: `/metrics` (Prometheus text: the SDK's own
 * metrics and this project's, which its exporter serves on a loopback port of its own and this server passes on),
 * `/readyz` and `/healthz` (200 once the worker polls every task queue, 503 before that and while it shuts down)
 * and `/livez` (200 while the process serves). One port for Prometheus and for the container's health check.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Readiness {
  ready: boolean;
  /** What each part is doing, e.g. `{ workflows: 'RUNNING', activities: 'INITIALIZED' }`. */
  detail: Record<string, string>;
}

export interface ObservabilityServerOptions {
  /** The SDK's Prometheus exporter (`http://127.0.0.1:PORT/metrics`); unset: /metrics answers 404. */
  sdkMetricsUrl?: string;
  readiness(): Readiness;
}

export interface ObservabilityServer {
  server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const SCRAPE_TIMEOUT_MS = 5_000;

export function createObservabilityServer({
  sdkMetricsUrl,
  readiness,
}: ObservabilityServerOptions): ObservabilityServer {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, body: unknown) => send(status, 'application/json', `${JSON.stringify(body)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'only GET' });
    if (path === '/readyz' || path === '/healthz') {
      const { ready, detail } = readiness();
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...detail });
    }
    if (path === '/livez') return json(200, { status: 'alive' });
    if (path === '/metrics' && sdkMetricsUrl) {
      fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) })
        .then(async (upstream) => {
          if (!upstream.ok) throw new Error(`the SDK's exporter answered ${upstream.status}`);
          send(200, upstream.headers.get('content-type') ?? 'text/plain; version=0.0.4', await upstream.text());
        })
        .catch((err: Error) => send(503, 'text/plain', `metrics unavailable: ${err.message}\n`));
      return;
    }
    json(404, { error: `no route ${path}: /metrics, /readyz, /healthz, /livez` });
  });
  return {
    server,
    async listen(port, host) {
      server.listen(port, host);
      await once(server, 'listening');
      return server.address() as AddressInfo;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
