/**
 * OpenTelemetry tracing of `mwbatch worker` (OTEL_EXPORTER_OTLP_ENDPOINT), read as a collector reads it: a small
 * OTLP/HTTP receiver on 127.0.0.1 takes the JSON the worker posts to /v1/traces. One question against the simulator
 * (its first request answered 429) gives one trace: the workflow's span, its activities' spans, and one client span per
 * API request with method, route and status, matching what the simulator saw; no span carries the token, the
 * question or the answer; the spans still buffered are exported when the worker stops. Without the variable the
 * worker exports nothing and writes no trace header into the history. The tracing worker runs the traced bundle
 * `npm run build` writes (dist/workflow-bundle-traced.js): build before running this file, as for every CLI test.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { TOKEN_PATH } from '../../simulator';
import { REPO_ROOT } from '../helpers/cli';
import { startObservedWorker } from '../helpers/observed-worker';
import { useForFile } from '../helpers/for-file';
import { useSimulator } from '../helpers/simulator';
import { waitFor } from '../helpers/wait';

/** An OTLP/JSON attribute: `{ key, value: { stringValue | intValue | boolValue | doubleValue | ... } }`. */
interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
}

/** A span as the test reads it: attributes as a plain object, and the service that sent it. */
interface ReceivedSpan extends Omit<OtlpSpan, 'attributes'> {
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** `POST /v1/traces` bodies (OTLP/HTTP JSON) as they arrive, answered 200 as a collector does. */
class OtlpReceiver {
  readonly bodies: string[] = [];
  readonly #server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') this.bodies.push(body);
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  spans(): ReceivedSpan[] {
    return this.bodies.flatMap((body) =>
      (JSON.parse(body) as OtlpRequest).resourceSpans.flatMap(({ resource, scopeSpans }) => {
        const service = String(plainAttributes(resource.attributes)['service.name']);
        return scopeSpans.flatMap(({ spans }) =>
          spans.map((span) => ({ ...span, service, attributes: plainAttributes(span.attributes) })),
        );
      }),
    );
  }
}

function plainAttributes(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => {
      const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? value;
      // OTLP/JSON writes 64-bit integers as strings.
      return [key, value.intValue !== undefined ? Number(v) : v];
    }),
  );
}

// Keep test output readable: the SDK logs every replay worker's state changes at INFO.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const TRACED_BUNDLE = join(REPO_ROOT, 'dist', 'workflow-bundle-traced.js');
const sim = useSimulator({ answerDelayMs: 200 }, { reset: 'never' });
const receiver = useForFile(
  'the OTLP receiver',
  async () => {
    const r = new OtlpReceiver();
    return Object.assign(r, { url: await r.listen() });
  },
  (r) => r.close(),
);
let client: Client;
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});

afterAll(async () => {
  await connection?.close();
});

/**
 * Runs one question through a worker on a fresh task queue, then stops the worker. The question's first API request
 * is answered 429, so the activity that made it fails once and Temporal retries it after the Retry-After wait.
 */
async function askOnce(env: Record<string, string>, question: string) {
  const taskQueue = `tracing-${randomUUID()}`;
  const worker = await startObservedWorker(sim, taskQueue, env);
  try {
    // From here on every API request is the question's (the worker's start-up check came before).
    const firstRequest = sim.requests().length;
    const questionRequests = () =>
      sim
        .requests()
        .slice(firstRequest)
        .filter((r) => r.route !== TOKEN_PATH);
    sim.configure({ rate429: 1 });
    const input: ConversationInput = {
      batchId: `e2e-tracing-${randomUUID()}`,
      conversationKey: 'c1',
      turns: [{ rowId: 'r1', question }],
    };
    const workflowId = `${input.batchId}/${input.conversationKey}`;
    const handle = await client.workflow.start(CONVERSATION_WORKFLOW_TYPE, { taskQueue, workflowId, args: [input] });
    // The retry waits for Retry-After (a second or more): plenty of time to stop answering 429.
    await waitFor('the first request to be answered 429', () => questionRequests().some((r) => r.status === 429));
    sim.configure({ rate429: 0 });
    const result = (await handle.result()) as ConversationResult;
    await worker.stop();
    // The headers the workflow put on the activities it scheduled (tracing: the trace context).
    const { events } = await handle.fetchHistory();
    const activityHeaders = (events ?? []).flatMap((e) =>
      Object.keys(e.activityTaskScheduledEventAttributes?.header?.fields ?? {}),
    );
    return {
      workflowId,
      result,
      history: { events },
      activityHeaders,
      requests: questionRequests(),
      log: worker.log(),
      exitCode: await worker.exited,
    };
  } finally {
    sim.configure({ rate429: 0 });
    await worker.stop();
  }
}

describe('worker tracing', () => {
  it('exports one trace per conversation: workflow, activities and every API request, with no secret or text', async () => {
    expect(existsSync(TRACED_BUNDLE), `${TRACED_BUNDLE} is missing: run npm run build`).toBe(true);
    const question = `What is the parental leave policy? ${randomUUID()}`;
    const run = await askOnce(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        MWBATCH_WORKFLOW_BUNDLE: TRACED_BUNDLE,
        // Nothing is exported on a timer during the test: what arrives was flushed when the worker stopped.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      question,
    );
    expect(run.exitCode, run.log).toBe(0);
    expect(run.result.turns[0]!.status).toBe('COMPLETED');
    expect(run.log).toContain(`tracing to ${receiver.url}`);
    expect(run.log).not.toContain('has no tracing interceptors');
    expect(new Set(run.activityHeaders)).toEqual(new Set(['_tracer-data']));
    // Tracing can be turned off with workflows in flight: the traced history replays on the plain bundle.
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, run.history);
    expect(run.requests.filter((r) => r.status === 429)).toHaveLength(1);
    // Traced or not, the question was asked once: one conversation, one response.
    expect(run.requests.filter((r) => r.method === 'POST' && r.status === 201)).toHaveLength(1);
    expect(sim.stats().responsesCreated[run.result.conversationId!]).toBe(1);

    const spans = receiver.spans();
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['mwbatch-worker']));
    const workflowSpan = spans.find(
      (s) => s.name === `RunWorkflow:${CONVERSATION_WORKFLOW_TYPE}` && s.attributes.workflowId === run.workflowId,
    );
    expect(workflowSpan, 'the workflow span').toBeDefined();
    // The workflow's identity only: not its memo, search attributes or last result.
    expect(Object.keys(workflowSpan!.attributes).sort()).toEqual(
      ['attempt', 'namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType'].sort(),
    );
    const trace = spans.filter((s) => s.traceId === workflowSpan!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

    const runOpen = trace.filter((s) => s.name === 'RunActivity:openConversation');
    // The first attempt got the 429; the second went through.
    expect(runOpen).toHaveLength(2);
    for (const span of runOpen) {
      expect(parentOf(span)?.name).toBe('StartActivity:openConversation');
      expect(parentOf(parentOf(span)!)).toBe(workflowSpan);
      expect(span.attributes.temporalWorkflowId).toBe(run.workflowId);
    }
    expect(runOpen.map((s) => s.attributes.temporalActivityAttempt).sort()).toEqual([1, 2]);
    expect(runOpen.map((s) => s.status?.code).sort()).toEqual([1, 2]); // OK, ERROR

    // One client span per API request of the question, each under the activity that made it, as the simulator saw
    // them: method, route and status.
    const httpSpans = trace.filter((s) => s.attributes['http.request.method'] !== undefined);
    for (const span of httpSpans) {
      expect(span.kind, span.name).toBe(3); // CLIENT
      expect(parentOf(span)?.name, span.name).toMatch(/^RunActivity:/);
      expect(span.name).toBe(`${span.attributes['http.request.method']} ${span.attributes['url.template']}`);
      expect(span.attributes['server.address']).toBe('127.0.0.1');
    }
    const seen = (list: { method: string; route: string; status: number }[]) =>
      list.map((r) => `${r.method} ${r.route} ${r.status}`).sort();
    expect(
      seen(
        httpSpans.map((s) => ({
          method: String(s.attributes['http.request.method']),
          route: String(s.attributes['url.template']),
          status: Number(s.attributes['http.response.status_code']),
        })),
      ),
    ).toEqual(seen(run.requests));
    expect(httpSpans.some((s) => String(s.attributes['url.template']).startsWith('/conversations'))).toBe(true);
    const [limited, ...more] = httpSpans.filter((s) => s.attributes['http.response.status_code'] === 429);
    expect(more).toEqual([]);
    expect(limited!.attributes['mwbatch.retry_after_ms']).toBeGreaterThan(0);
    expect(limited!.attributes['error.type']).toBe('429');
    expect(limited!.status?.code).toBe(2); // ERROR

    // Nothing secret or private anywhere in what was exported.
    const exported = receiver.bodies.join('\n');
    for (const text of [sim.config.token, question, run.result.turns[0]!.answer]) {
      expect(exported).not.toContain(text);
    }
    expect(exported.toLowerCase()).not.toMatch(/authorization|bearer/);
  });

  it('exports nothing without OTEL_EXPORTER_OTLP_ENDPOINT, even with the per-signal variable set', async () => {
    const before = receiver.bodies.length;
    const run = await askOnce({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` }, 'No tracing here?');
    expect(run.exitCode, run.log).toBe(0);
    expect(run.result.turns[0]!.status).toBe('COMPLETED');
    // The worker has stopped, so a tracing worker would have flushed by now.
    expect(receiver.bodies.length).toBe(before);
    expect(run.log).not.toMatch(/tracing to|unregistered external sink/);
    // Nothing unencrypted beside the payloads: the plain bundle puts no trace header on the activities.
    expect(run.activityHeaders).toEqual([]);
  });
});
