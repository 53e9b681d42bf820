/**
 * The observability settings of the worker and the gateway, from the environment: where metrics and health are
 * served (MWBATCH_METRICS_ADDR), the log format and level (MWBATCH_LOG_FORMAT, MWBATCH_LOG_LEVEL), and whether
 * and as what service traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from '../config/env';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';

export interface LogSettings {
  format: LogFormat;
  level: LogLevel;
}

export interface ObservabilitySettings {
  log: LogSettings;
  /** host:port of the metrics and health server; unset: neither is served. */
  metrics?: { host: string; port: number };
  /** The OTLP/HTTP endpoint traces go to (`<endpoint>/v1/traces`); unset: no tracing. */
  otlpEndpoint?: string;
  /** The `service.name` of the spans (OTEL_SERVICE_NAME); unset: `mwbatch-worker`. */
  serviceName?: string;
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
const address = z.string().transform((value, ctx) => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'must be host:port, e.g. 0.0.0.0:9464' });
    return z.NEVER;
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
});

const schema = z.object({
  MWBATCH_METRICS_ADDR: address.optional(),
  MWBATCH_LOG_FORMAT: z.enum(['json', 'text'], { error: 'must be json or text' }).optional(),
  MWBATCH_LOG_LEVEL: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://otel-collector:4318' })
    .optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
});

export interface Surroundings {
  /** Whether stderr is a terminal (a person watching): text by default. */
  isTty: boolean;
  /** Whether the process runs in a container: JSON by default. */
  inContainer: boolean;
}

/**
 * A container: Docker's /.dockerenv, Podman's /run/.containerenv, the `container` variable systemd-nspawn and
 * Podman set, or Kubernetes' KUBERNETES_SERVICE_HOST.
 */
export function detectSurroundings(env: NodeJS.ProcessEnv = process.env): Surroundings {
  const inContainer =
    !!env.container || !!env.KUBERNETES_SERVICE_HOST || existsSync('/.dockerenv') || existsSync('/run/.containerenv');
  return { isTty: process.stderr.isTTY === true, inContainer };
}

/** JSON in a container unless stderr is a terminal; text otherwise. MWBATCH_LOG_FORMAT decides when set. */
export function defaultLogFormat({ isTty, inContainer }: Surroundings): LogFormat {
  return inContainer && !isTty ? 'json' : 'text';
}

export function loadLogSettings(
  env: NodeJS.ProcessEnv = process.env,
  surroundings: Surroundings = detectSurroundings(env),
): LogSettings {
  const e = parseEnv(schema.pick({ MWBATCH_LOG_FORMAT: true, MWBATCH_LOG_LEVEL: true }), env, 'logging');
  return { format: e.MWBATCH_LOG_FORMAT ?? defaultLogFormat(surroundings), level: e.MWBATCH_LOG_LEVEL };
}

export function loadObservabilitySettings(
  env: NodeJS.ProcessEnv = process.env,
  surroundings: Surroundings = detectSurroundings(env),
): ObservabilitySettings {
  const e = parseEnv(schema, env, 'observability');
  return {
    log: { format: e.MWBATCH_LOG_FORMAT ?? defaultLogFormat(surroundings), level: e.MWBATCH_LOG_LEVEL },
    metrics: e.MWBATCH_METRICS_ADDR,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: e.OTEL_SERVICE_NAME,
  };
}
