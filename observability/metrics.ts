/**
 * This project's metrics, in one place: their names, labels and buckets, and the typed calls the rest of the code
 * makes (apiRequest, http429, retryAfterWait, answerLatency, question, reconciliation, streamFallback). They are
 * recorded through a Temporal MetricMeter, so the SDK's Prometheus exporter serves them beside its own.
 *
 * Workflow-safe (no Node import): workflow code records through `createMetrics(metricMeter)` with the meter of
 * '@temporalio/workflow' (not emitted during replay); Node code (activities, the Moveworks transport) through
 * `workerMetrics`, whose meter the worker sets once at start-up (`useMetricMeter`). Until then it records nothing.
 */
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { Exchange } from '../moveworks/transport';

/** Every metric this project exports, as the Prometheus exporter names it (counters have no `_total`). */
export const METRICS = {
  apiRequests: 'mwbatch_api_requests',
  http429s: 'mwbatch_api_rate_limited',
  retryAfter: 'mwbatch_api_retry_after_ms',
  answerLatency: 'mwbatch_answer_latency_ms',
  questions: 'mwbatch_questions',
  reconciliations: 'mwbatch_reconciliations',
  streamFallbacks: 'mwbatch_stream_fallbacks',
  unknownValues: 'mwbatch_api_unknown_values',
} as const;

/** Histogram buckets (ms): answers take seconds to minutes, Retry-After asks for up to a minute or so. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [METRICS.answerLatency]: [250, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000],
  [METRICS.retryAfter]: [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000],
};

/** How one question (a turn of a conversation) ended: the result's status, lower case. */
export type QuestionOutcome = 'completed' | 'failed' | 'timed_out' | 'error' | 'cancelled';
/** What a retry found that an earlier attempt had created. */
export type ReconciliationKind = 'conversation' | 'response';
export type AnswerMode = 'poll' | 'stream';

export interface ProjectMetrics {
  /** One HTTP response of the API; `endpoint` is "METHOD /path/{template}". */
  apiRequest(endpoint: string, status: number): void;
  /** One 429 answer of the API. */
  http429(endpoint: string): void;
  /** The wait a Retry-After header asked for. */
  retryAfterWait(ms: number): void;
  /** From submitting a question to its answer (or failure). */
  answerLatency(ms: number, mode: AnswerMode): void;
  question(outcome: QuestionOutcome): void;
  reconciliation(kind: ReconciliationKind): void;
  /** A stream that did not deliver the answer, so the response was polled; `reason` is the stream problem's code. */
  streamFallback(reason: string): void;
  /** Something the API sent that its contract does not describe, tolerated (moveworks/unknown-values.ts kinds). */
  unknownValue(kind: string): void;
  /** For MoveworksClientOptions.onExchange: apiRequest, http429 and retryAfterWait from each HTTP response. */
  onExchange(exchange: Exchange): void;
}

export function createMetrics(meter: MetricMeter): ProjectMetrics {
  const requests = meter.createCounter(
    METRICS.apiRequests,
    'requests',
    'Moveworks API responses by endpoint and status',
  );
  const limited = meter.createCounter(METRICS.http429s, 'requests', 'Moveworks API 429 answers by endpoint');
  const retryAfter = meter.createHistogram(METRICS.retryAfter, 'int', 'ms', 'Waits asked for by Retry-After');
  const latency = meter.createHistogram(
    METRICS.answerLatency,
    'int',
    'ms',
    'From submitting a question to its answer, by mode (poll, stream)',
  );
  const questions = meter.createCounter(METRICS.questions, 'questions', 'Questions ended, by outcome');
  const reconciliations = meter.createCounter(
    METRICS.reconciliations,
    'retries',
    'Retries that found what an earlier attempt had created, by kind (conversation, response)',
  );
  const fallbacks = meter.createCounter(
    METRICS.streamFallbacks,
    'streams',
    'Streams that did not deliver the answer (the response was polled), by reason',
  );
  const unknown = meter.createCounter(
    METRICS.unknownValues,
    'values',
    'Values the API sent that its published contract does not describe (reported once per worker run), by kind',
  );
  const metrics: ProjectMetrics = {
    apiRequest: (endpoint, status) => requests.add(1, { endpoint, status: String(status) }),
    http429: (endpoint) => limited.add(1, { endpoint }),
    retryAfterWait: (ms) => retryAfter.record(Math.max(0, Math.round(ms))),
    answerLatency: (ms, mode) => latency.record(Math.max(0, Math.round(ms)), { mode }),
    question: (outcome) => questions.add(1, { outcome }),
    reconciliation: (kind) => reconciliations.add(1, { kind }),
    streamFallback: (reason) => fallbacks.add(1, { reason: reason.toLowerCase() }),
    unknownValue: (kind) => unknown.add(1, { kind }),
    onExchange({ method, path, status, retryAfterMs }) {
      const endpoint = `${method} ${path}`;
      metrics.apiRequest(endpoint, status);
      if (status === 429) metrics.http429(endpoint);
      if (retryAfterMs !== undefined && (status === 429 || status === 503)) metrics.retryAfterWait(retryAfterMs);
    },
  };
  return metrics;
}

let current: ProjectMetrics = createMetrics(noopMetricMeter);

/** The worker calls this once, with the runtime's meter, before its workers start. */
export function useMetricMeter(meter: MetricMeter): void {
  current = createMetrics(meter);
}

/** The metrics of this process, for Node code (activities, the Moveworks client); a no-op until useMetricMeter. */
export const workerMetrics: ProjectMetrics = {
  apiRequest: (endpoint, status) => current.apiRequest(endpoint, status),
  http429: (endpoint) => current.http429(endpoint),
  retryAfterWait: (ms) => current.retryAfterWait(ms),
  answerLatency: (ms, mode) => current.answerLatency(ms, mode),
  question: (outcome) => current.question(outcome),
  reconciliation: (kind) => current.reconciliation(kind),
  streamFallback: (reason) => current.streamFallback(reason),
  unknownValue: (kind) => current.unknownValue(kind),
  onExchange: (exchange) => current.onExchange(exchange),
};
