/**
 * OpenTelemetry tracing of the worker (OTEL_EXPORTER_OTLP_ENDPOINT set): spans for workflows, activities and
 * Moveworks API calls, exported over OTLP/HTTP (JSON) with a batch span processor.
 *
 * - Workflows: the SDK's workflow interceptors (@temporalio/interceptors-opentelemetry, WORKFLOW_TRACING_MODULE) are
 *   in the traced bundle only (dist/workflow-bundle-traced.js, scripts/bundle-workflows.ts), which a tracing worker
 *   runs: they put a trace header on every activity in the history, unencrypted, which a worker without tracing must
 *   not write. Inside the sandbox they create the spans (RunWorkflow:…, StartActivity:…) and hand them to the
 *   `exporter` sink, which passes them to the span processor.
 * - Activities: the SDK's activity interceptors open RunActivity:… as a child of the workflow's StartActivity span.
 * - HTTP: moveworks/transport.ts opens one client span per request under the active (activity) span, through
 *   @opentelemetry/api alone, so it costs nothing when no tracer provider is registered.
 *
 * The OpenTelemetry SDK packages are loaded only by startTracing: a worker without tracing, and every other
 * command, never loads them.
 */
import { readFileSync } from 'node:fs';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Logger } from './logger';

/** The workflow interceptor module of the traced bundle (bundleWorkflowCode's workflowInterceptorModules). */
export const WORKFLOW_TRACING_MODULE =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export const DEFAULT_SERVICE_NAME = 'mwbatch-worker';

/** What the workers need to trace; `shutdown` exports the spans still buffered (call it once the workers stopped). */
export interface WorkerTracing {
  /** Activity interceptors: a RunActivity span around each activity, its context active while it runs. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The sink the workflow interceptors export their spans through. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://otel-collector:4318: spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** OTEL_SERVICE_NAME; default `mwbatch-worker`. */
  serviceName?: string;
  /** Export failures (collector down...) are reported here as warnings. */
  logger: Logger;
}

/** Whether a workflow bundle has the tracing interceptors (a bundle that cannot be read: left to the SDK to report). */
export function bundleHasTracing(bundlePath: string): boolean {
  try {
    return readFileSync(bundlePath, 'utf8').includes('OpenTelemetryInboundInterceptor');
  } catch {
    return true;
  }
}

/** The endpoint as it may be logged: a user name and password in it are left out. */
export function withoutCredentials(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.username && !url.password) return endpoint;
  url.username = '';
  url.password = '';
  return url.href;
}

/** The OTLP/HTTP traces URL for a base endpoint, as the OpenTelemetry specification builds it. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Registers a Node tracer provider (AsyncLocalStorage context, W3C trace context propagation) exporting to the
 * endpoint, and returns what the workers need.
 */
export async function startTracing({ endpoint, serviceName, logger }: TracingOptions): Promise<WorkerTracing> {
  const { diag, DiagLogLevel, trace } = await import('@opentelemetry/api');
  const { Resource } = await import('@opentelemetry/resources');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const otel = await import('@temporalio/interceptors-opentelemetry');

  // The SDK reports failed exports through its diagnostic logger, silent unless one is set.
  diag.setLogger(
    {
      error: (msg) => logger.warn(`tracing: ${msg}`),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.ERROR,
  );
  const resource = new Resource({ 'service.name': serviceName || DEFAULT_SERVICE_NAME });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return {
    activityInterceptors: [
      (ctx) => ({
        inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
      // Inside the SDK's: its RunActivity span is the active one. The attempt tells Temporal's retries apart.
      (ctx) => ({
        inbound: {
          execute(input, next) {
            trace.getActiveSpan()?.setAttribute('temporalActivityAttempt', ctx.info.attempt);
            return next(input);
          },
        },
      }),
    ],
    sinks: { exporter: identityOnly(otel.makeWorkflowExporter(processor, resource)) },
    shutdown: () => provider.shutdown(),
  };
}

type WorkflowSpanSink = InjectedSinks<OpenTelemetrySinks>['exporter'];

/**
 * The SDK's workflow span sink, told only the workflow's identity: the SDK copies the WorkflowInfo it is given onto
 * every workflow span as attributes, and the whole of it carries the memo, search attributes and the last run's
 * result, which are not for a trace backend.
 */
function identityOnly(sink: WorkflowSpanSink): WorkflowSpanSink {
  return { export: { fn: (info, spans) => sink.export.fn(workflowIdentity(info), spans) } };
}

/** The WorkflowInfo fields put on workflow spans. */
export function workflowIdentity(info: WorkflowInfo): WorkflowInfo {
  const { workflowId, runId, workflowType, taskQueue, namespace, attempt } = info;
  // The sink's signature wants a WorkflowInfo; it only copies the fields it is given.
  return { workflowId, runId, workflowType, taskQueue, namespace, attempt } as WorkflowInfo;
}

/** Tracing off but given the traced bundle anyway: its spans are dropped (without a sink the SDK logs an error each). */
export const DROP_WORKFLOW_SPANS: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined } },
};
