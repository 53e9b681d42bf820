/**
 * The worker's metrics and health server (MWBATCH_METRICS_ADDR), read as Prometheus and an orchestrator read it:
 * after a batch against the simulator, the API requests counted by endpoint and status are exactly the requests
 * the simulator saw (429s and their Retry-After waits included); the SDK's own metrics are served beside them;
 * the Grafana dashboard names only metrics the worker exports; /readyz is 200 while both workers poll and 503 once
 * a SIGTERM has them draining.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput } from '../../common/types';
import { METRICS } from '../../observability/metrics';
import { TOKEN_PATH } from '../../simulator';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { startObservedWorker, type ObservedWorker, type Sample } from '../helpers/observed-worker';
import { useSimulator } from '../helpers/simulator';
import { waitFor } from '../helpers/wait';

const sim = useSimulator({ answerDelayMs: 200, rate429: 0.25, seed: 7 }, { reset: 'never' });
const taskQueue = `metrics-${randomUUID()}`;
let worker: ObservedWorker;

beforeAll(async () => {
  worker = await startObservedWorker(sim, taskQueue);
}, 90_000);

afterAll(async () => {
  await worker?.stop();
});

/** `"METHOD /template" status` -> count. */
type Counts = Record<string, number>;

function add(counts: Counts, key: string, n = 1): Counts {
  counts[key] = (counts[key] ?? 0) + n;
  return counts;
}

const sum = (samples: Sample[], name: string) =>
  samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);

describe('worker metrics', () => {
  it('count every API request by endpoint and status as the simulator saw it, 429s and Retry-After included', async () => {
    const dir = tempDir();
    const rows = ['id,conversation,question', 'a,,first', 'b,,second', 'c,c1,third', 'd,c1,fourth [sim:fail]'];
    const out = join(dir, 'out');
    const run = await runCli(['submit', writeCsv(dir, 'q.csv', rows), '--batch', 'e2e-metrics', '--out', out], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
    expect(run.code, run.stderr).toBe(1); // the failed row
    expect(readResultsCsv(out).map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED']);

    // Every API request of this simulator came from the worker: its start-up check, the batch's pre-flight
    // check and the conversations.
    const requests = sim.requests().filter((r) => r.route !== TOKEN_PATH);
    const expected = requests.reduce((c, r) => add(c, `${r.method} ${r.route} ${r.status}`), {});
    const limited = requests.filter((r) => r.status === 429);
    expect(limited.length, 'the simulator answered some requests 429').toBeGreaterThan(0);

    const samples = await worker.scrape();
    const counted = samples
      .filter((s) => s.name === METRICS.apiRequests)
      .reduce((c, s) => add(c, `${s.labels.endpoint} ${s.labels.status}`, s.value), {});
    expect(counted).toEqual(expected);
    const limitedByEndpoint = limited.reduce((c, r) => add(c, `${r.method} ${r.route}`), {});
    const counted429 = samples
      .filter((s) => s.name === METRICS.http429s)
      .reduce((c, s) => add(c, s.labels.endpoint!, s.value), {});
    expect(counted429).toEqual(limitedByEndpoint);
    expect(sum(samples, `${METRICS.retryAfter}_count`)).toBe(limited.filter((r) => r.retryAfterMs).length);
    expect(sum(samples, `${METRICS.retryAfter}_sum`)).toBe(
      limited.reduce((total, r) => total + (r.retryAfterMs ?? 0), 0),
    );
    // The SDK's own metrics come with them, on the same port.
    expect(samples.some((s) => s.name === 'temporal_num_pollers' && s.labels.task_queue === `${taskQueue}-api`)).toBe(
      true,
    );
    expect(sum(samples, 'temporal_workflow_completed')).toBeGreaterThan(0);
    // Each question once, by how it ended (the workflow's meter records nothing while replaying).
    expect(sum(samples, METRICS.questions)).toBe(4);
    expect(samples.find((s) => s.name === METRICS.questions && s.labels.outcome === 'failed')?.value).toBe(1);
    expect(sum(samples, `${METRICS.answerLatency}_count`)).toBe(4);
  });

  it('the Grafana dashboard queries only metrics the worker exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'grafana', 'mwbatch-worker.json'), 'utf8'));
    const exprs: string[] = (dashboard.panels as { targets?: { expr: string }[] }[]).flatMap((p) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    expect(exprs.length).toBeGreaterThan(5);
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:mwbatch|temporal)_\w+)/g)].map((m) => m[1]!)));
    // Exported: what the worker serves now, and this project's metrics a batch without faults does not record yet.
    const served = new Set((await worker.scrape()).map((s) => s.name));
    const declared = Object.values(METRICS).flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]);
    const unknown = [...named].filter((n) => !served.has(n) && !declared.includes(n));
    expect(unknown, 'dashboard metrics the worker does not export').toEqual([]);
    for (const name of Object.values(METRICS)) {
      expect(
        exprs.some((e) => e.includes(name)),
        `the dashboard shows ${name}`,
      ).toBe(true);
    }
  });
});

describe('worker health', () => {
  it('is ready while both workers poll, and not ready (503) from the SIGTERM on, while an answer is still streaming', async () => {
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', workflows: 'RUNNING', activities: 'RUNNING' });

    sim.configure({ rate429: 0, answerDelayMs: 5_000 });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection });
      const input: ConversationInput = {
        batchId: `e2e-health-${randomUUID()}`,
        conversationKey: 'c1',
        mode: 'stream',
        turns: [{ rowId: 'r1', question: 'a slow streamed answer' }],
      };
      const streams = () => sim.requests().filter((r) => r.route.endsWith('/responses/stream')).length;
      const before = streams();
      await client.workflow.start(CONVERSATION_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `${input.batchId}/${input.conversationKey}`,
        args: [input],
      });
      await waitFor('the answer to start streaming', () => streams() > before);
      worker.child.kill('SIGTERM');
      const draining = await waitFor('/readyz to answer 503', async () => {
        const res = await fetch(`${worker.url}/readyz`);
        return res.status === 503 && ((await res.json()) as Record<string, string>);
      });
      expect(draining.status).toBe('not ready');
      expect(await fetch(`${worker.url}/livez`).then((r) => r.status)).toBe(200);
      await worker.exited;
    } finally {
      await connection.close();
    }
  });
});
