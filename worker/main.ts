/**
 * The worker process: configuration from the environment (validated), the runtime's logs and metrics
 * (observability/), one connection to Temporal, one Moveworks API call to check the base URL and credentials, the
 * workflow and activity workers, the metrics and health server (MWBATCH_METRICS_ADDR), OpenTelemetry tracing
 * (OTEL_EXPORTER_OTLP_ENDPOINT), and a graceful shutdown on SIGINT/SIGTERM (handled by the SDK runtime: in-flight
 * activities finish, the buffered spans are exported, then the process exits).
 */
import { NativeConnection } from '@temporalio/worker';
import { checkMoveworksApi, isFatalApiProblem } from '../activities/api-check';
import { ApiCheckError, ConfigError, UnreachableTemporalError } from '../common/errors';
import { exitOnError } from '../cli/exit';
import { loadDataConverter } from '../codec/data-converter';
import { createMoveworksClient } from '../config/moveworks';
import type { TemporalOverrides } from '../config/temporal';
import { logExchange } from '../observability/exchange-log';
import { createLogger, secretValues, type Logger } from '../observability/logger';
import { workerMetrics } from '../observability/metrics';
import { installRuntime } from '../observability/runtime';
import { createObservabilityServer, type ObservabilityServer } from '../observability/server';
import { loadObservabilitySettings, type ObservabilitySettings } from '../observability/settings';
import { bundleHasTracing, startTracing, withoutCredentials, type WorkerTracing } from '../observability/tracing';
import { loadWorkerSettings } from './config';
import { workerReadiness } from './health';
import { applyHeapSettings } from './heap';
import { createWorkerPair, type WorkerPair } from './workers';

/** `overrides`: `mwbatch worker --address / --namespace`, over the environment and the TEMPORAL_PROFILE profile. */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: TemporalOverrides = {},
): Promise<void> {
  const settings = loadWorkerSettings(env, overrides);
  const observability = loadObservabilitySettings(env);
  const logger = createLogger({ ...observability.log, secrets: secretValues(env) });
  const dataConverter = loadDataConverter(env);
  // Before Worker.create: the workflow thread's heap limit only reaches threads started afterwards.
  applyHeapSettings(settings.heap);
  const { sdkMetricsUrl } = await installRuntime(observability, logger);
  const tracing = await startWorkerTracing(observability, env.MWBATCH_WORKFLOW_BUNDLE, logger);
  let workers: WorkerPair | undefined;
  const server = await startObservabilityServer(observability, sdkMetricsUrl, () => workerReadiness(workers));
  const { temporal } = settings;
  let connection: NativeConnection | undefined;
  try {
    try {
      connection = await NativeConnection.connect(temporal.connection);
    } catch (err) {
      throw new UnreachableTemporalError(temporal.address, err);
    }
    // Told of every HTTP response: the API metrics, and one log line each.
    const moveworks = createMoveworksClient(settings.moveworks, {
      onExchange: (exchange) => {
        workerMetrics.onExchange(exchange);
        logExchange(logger, exchange);
      },
      // What the API sent that its contract does not describe (the client reports each one once per worker run).
      onUnknown: (what, value, kind) => {
        logger.warn(`Moveworks API: ${what} ${JSON.stringify(value)} is not in the published contract; tolerated`, {
          what,
          value,
          kind,
        });
        workerMetrics.unknownValue(kind);
      },
    });
    // A worker whose every call would be refused (or go nowhere) must not take work: stop now, naming the variable.
    const check = await checkMoveworksApi(moveworks);
    if (!check.ok) {
      if (isFatalApiProblem(check)) throw new ApiCheckError(check, "in this worker's environment and start it again.");
      logger.warn(`Moveworks API check: ${check.message}; starting anyway (calls are retried)`);
    }
    workers = await createWorkerPair({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      moveworks,
      rps: settings.rps,
      maxConcurrentActivities: settings.maxConcurrentActivities,
      maxCachedWorkflows: settings.maxCachedWorkflows,
      workflowBundlePath: env.MWBATCH_WORKFLOW_BUNDLE,
      dataConverter,
      runsDir: settings.runsDir,
      env,
      tracing,
    });
    const rps = settings.rps ? `, API budget ${settings.rps} req/s` : '';
    const encrypted = dataConverter ? ', payloads encrypted' : '';
    const metrics = server ? `, metrics and health on ${observability.metrics!.host}:${server.port}` : '';
    logger.info(
      `mwbatch worker polling ${temporal.taskQueue} on ${temporal.address} (namespace ${temporal.namespace})` +
        ` → ${settings.moveworks.baseUrl}${rps}${encrypted}${metrics}`,
      { taskQueue: temporal.taskQueue, namespace: temporal.namespace },
    );
    await workers.run();
    logger.info('mwbatch worker stopped');
  } finally {
    await server?.close();
    await connection?.close();
    await tracing?.shutdown();
  }
}

/** Listening before the workers start: /readyz answers 503 until both poll. */
async function startObservabilityServer(
  { metrics }: ObservabilitySettings,
  sdkMetricsUrl: string | undefined,
  readiness: Parameters<typeof createObservabilityServer>[0]['readiness'],
): Promise<(ObservabilityServer & { port: number }) | undefined> {
  if (!metrics) return undefined;
  const server = createObservabilityServer({ sdkMetricsUrl, readiness });
  try {
    const { port } = await server.listen(metrics.port, metrics.host);
    return Object.assign(server, { port });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`MWBATCH_METRICS_ADDR: cannot listen on ${metrics.host}:${metrics.port}: ${reason}`);
  }
}

/** Tracing on when OTEL_EXPORTER_OTLP_ENDPOINT is set; the OpenTelemetry packages are loaded only then. */
async function startWorkerTracing(
  { otlpEndpoint, serviceName }: ObservabilitySettings,
  bundlePath: string | undefined,
  logger: Logger,
): Promise<WorkerTracing | undefined> {
  if (!otlpEndpoint) return undefined;
  const tracing = await startTracing({ endpoint: otlpEndpoint, serviceName, logger });
  logger.info(`tracing to ${withoutCredentials(otlpEndpoint)}`);
  if (bundlePath && !bundleHasTracing(bundlePath)) {
    logger.warn(
      `MWBATCH_WORKFLOW_BUNDLE ${bundlePath} has no tracing interceptors: the workflows get no spans (activities and` +
        ' API calls still do). Point it at the traced bundle `npm run build` writes (dist/workflow-bundle-traced.js).',
    );
  }
  return tracing;
}

if (require.main === module) {
  runWorker().catch(exitOnError);
}
