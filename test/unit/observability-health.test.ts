/**
 * The worker's health endpoints over real HTTP, as an orchestrator probes them: /readyz (and /healthz) 503 while
 * the workers start, 200 once both poll, 503 again as soon as one stops polling (a SIGTERM drains it); /livez 200
 * throughout; /metrics passes the SDK exporter's text on, and says 503 when the exporter does not answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from '@temporalio/worker';
import { createObservabilityServer, type ObservabilityServer } from '../../observability/server';
import { workerReadiness } from '../../worker/health';

type State = ReturnType<Worker['getState']>;
const fakeWorker = (state: () => State) => ({ getState: state }) as unknown as Worker;

let server: ObservabilityServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Parameters<typeof createObservabilityServer>[0]): Promise<string> {
  server = createObservabilityServer(options);
  const { port } = await server.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

const status = (url: string) => fetch(url).then((r) => r.status);

describe('worker readiness', () => {
  it('follows both workers: starting, polling, one draining', async () => {
    const started: { pair?: { workflowWorker: Worker; activityWorker: Worker } } = {};
    let activities: State = 'RUNNING';
    const url = await serve({ readiness: () => workerReadiness(started.pair) });
    expect(await status(`${url}/readyz`)).toBe(503);
    expect(await status(`${url}/livez`)).toBe(200);

    started.pair = { workflowWorker: fakeWorker(() => 'RUNNING'), activityWorker: fakeWorker(() => activities) };
    const ready = await fetch(`${url}/healthz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', workflows: 'RUNNING', activities: 'RUNNING' });

    activities = 'DRAINING';
    const draining = await fetch(`${url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'not ready', activities: 'DRAINING' });
    expect(await status(`${url}/livez`)).toBe(200);
  });
});

describe('/metrics', () => {
  it("passes the SDK exporter's text on, and answers 503 when the exporter is gone", async () => {
    const exporter = createServer((_req, res) => res.end('temporal_num_pollers{task_queue="q"} 5\n'));
    exporter.listen(0, '127.0.0.1');
    await new Promise((resolve) => exporter.once('listening', resolve));
    const sdkMetricsUrl = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`;
    const url = await serve({ sdkMetricsUrl, readiness: () => workerReadiness(undefined) });
    expect(await fetch(`${url}/metrics`).then((r) => r.text())).toBe('temporal_num_pollers{task_queue="q"} 5\n');
    await new Promise((resolve) => exporter.close(resolve));
    expect(await status(`${url}/metrics`)).toBe(503);
  });
});
