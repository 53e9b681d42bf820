/**
 * Installs the Temporal runtime of a worker process with this project's observability: the SDK logs through our
 * logger (the core's native lines forwarded to it too), and, when metrics are on, the SDK's Prometheus exporter
 * on a loopback port of its own (the observability server passes its text on at MWBATCH_METRICS_ADDR), with this
 * project's metrics recorded through the same runtime meter.
 */
import { Runtime } from '@temporalio/worker';
import type { LogLevel as SdkLogLevel } from '@temporalio/common';
import { freePort } from '../dev/ports';
import type { Logger } from './logger';
import { HISTOGRAM_BUCKETS, useMetricMeter } from './metrics';
import type { LogLevel, ObservabilitySettings } from './settings';

export interface InstalledRuntime {
  /** Where the SDK's exporter serves Prometheus text; unset when metrics are off. */
  sdkMetricsUrl?: string;
}

const CORE_LEVEL: Partial<Record<LogLevel, SdkLogLevel>> = { trace: 'DEBUG', debug: 'INFO' };

export async function installRuntime(settings: ObservabilitySettings, logger: Logger): Promise<InstalledRuntime> {
  const port = settings.metrics ? await freePort() : undefined;
  // The core's own lines: from WARN, from INFO at MWBATCH_LOG_LEVEL=debug, every DEBUG line (many) at trace.
  const core: SdkLogLevel = CORE_LEVEL[settings.log.level] ?? 'WARN';
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: { core, other: 'ERROR' }, forward: {} },
      ...(port !== undefined && {
        metrics: {
          prometheus: { bindAddress: `127.0.0.1:${port}`, histogramBucketOverrides: HISTOGRAM_BUCKETS },
        },
      }),
    },
  });
  useMetricMeter(Runtime.instance().metricMeter);
  return { sdkMetricsUrl: port === undefined ? undefined : `http://127.0.0.1:${port}/metrics` };
}
