/**
 * What the worker counts per API response: the client tells its observer of every HTTP response, over real HTTP
 * to the simulator, with the path as the simulator's own route template (ids replaced: a label Prometheus can
 * keep), the status, and the Retry-After wait a 429 asked for; the metrics module turns each into the request,
 * 429 and Retry-After series.
 */
import { describe, expect, it } from 'vitest';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { MoveworksClient, RateLimitError, StaticTokenAuth } from '../../moveworks';
import { pathTemplate, type Exchange } from '../../moveworks/transport';
import { createMetrics, METRICS } from '../../observability/metrics';
import { apiRoutes } from '../../simulator';
import { startSimulatorForTest } from '../helpers/simulator';

/** A meter that keeps what was recorded: metric name -> tags (JSON) -> values. */
function recordingMeter() {
  const recorded = new Map<string, { tags: MetricTags; value: number }[]>();
  const instrument = (name: string) => {
    const record = (value: number, tags: MetricTags = {}) =>
      recorded.set(name, [...(recorded.get(name) ?? []), { tags, value }]);
    return { name, add: record, record, set: record, withTags: () => instrument(name) };
  };
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createGauge: instrument,
    createUpDownCounter: instrument,
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, recorded };
}

describe('API path templates', () => {
  it('are the simulator route templates for every route the API has', () => {
    for (const { template } of apiRoutes) {
      const segments = template
        .slice(1)
        .split('/')
        .map((s) => (s.startsWith('{') ? `id-${Math.random().toString(36).slice(2)}` : s));
      expect(pathTemplate(segments)).toBe(template);
    }
  });
});

describe('the exchange observer', () => {
  it('is told of each response, a 429 with its Retry-After, and the metrics count them by endpoint', async () => {
    const sim = await startSimulatorForTest({ retryAfter: 'seconds' });
    const seen: Exchange[] = [];
    const { meter, recorded } = recordingMeter();
    const metrics = createMetrics(meter);
    const client = new MoveworksClient({
      baseUrl: sim.baseUrl,
      assistantName: sim.config.assistantName,
      auth: new StaticTokenAuth(sim.config.token),
      onExchange: (e) => {
        seen.push(e);
        metrics.onExchange(e);
      },
    });
    const created = await client.createConversation({ title: 't' });
    sim.configure({ rate429: 1 });
    await expect(client.getConversation(created.conversation_id)).rejects.toBeInstanceOf(RateLimitError);

    expect(seen).toEqual([
      expect.objectContaining({ method: 'POST', path: '/conversations', status: 201 }),
      expect.objectContaining({
        method: 'GET',
        path: '/conversations/{conversation_id}',
        status: 429,
        retryAfterMs: 1000,
      }),
    ]);
    expect(recorded.get(METRICS.apiRequests)?.map((r) => r.tags)).toEqual([
      { endpoint: 'POST /conversations', status: '201' },
      { endpoint: 'GET /conversations/{conversation_id}', status: '429' },
    ]);
    expect(recorded.get(METRICS.http429s)?.map((r) => r.tags.endpoint)).toEqual([
      'GET /conversations/{conversation_id}',
    ]);
    expect(recorded.get(METRICS.retryAfter)?.map((r) => r.value)).toEqual([1000]);
  });

  it('that throws does not fail the call it watches', async () => {
    const sim = await startSimulatorForTest();
    const client = new MoveworksClient({
      baseUrl: sim.baseUrl,
      assistantName: sim.config.assistantName,
      auth: new StaticTokenAuth(sim.config.token),
      onExchange: () => {
        throw new Error('observer bug');
      },
    });
    await expect(client.createConversation({ title: 't' })).resolves.toMatchObject({ title: 't' });
  });
});

describe('question metrics', () => {
  it('are recorded by outcome, mode, kind and reason', () => {
    const { meter, recorded } = recordingMeter();
    const metrics = createMetrics(meter);
    metrics.question('timed_out');
    metrics.answerLatency(1234.6, 'stream');
    metrics.reconciliation('response');
    metrics.streamFallback('STREAM_CUT');
    expect(recorded.get(METRICS.questions)).toEqual([{ tags: { outcome: 'timed_out' }, value: 1 }]);
    expect(recorded.get(METRICS.answerLatency)).toEqual([{ tags: { mode: 'stream' }, value: 1235 }]);
    expect(recorded.get(METRICS.reconciliations)).toEqual([{ tags: { kind: 'response' }, value: 1 }]);
    expect(recorded.get(METRICS.streamFallbacks)).toEqual([{ tags: { reason: 'stream_cut' }, value: 1 }]);
  });
});
