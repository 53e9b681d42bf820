/**
 * How workers and the CLI reach Temporal: a local dev server, a self-hosted cluster (optionally mTLS) or Temporal
 * Cloud (mTLS or API key). The variable names follow Temporal's own environment configuration.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { DEFAULT_TASK_QUEUE } from '../common/names';
import { booleanFlag, parseEnv } from './env';
import { ConfigError } from '../common/errors';

const temporalEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
      .default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_TLS: booleanFlag.optional(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  })
  .refine((env) => !env.TEMPORAL_TLS_CLIENT_CERT_PATH === !env.TEMPORAL_TLS_CLIENT_KEY_PATH, {
    message: 'set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or neither',
    path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'],
  });

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Options for `Connection.connect` / `NativeConnection.connect`; may hold an API key: never log it. */
  connection: { address: string; tls?: TLSConfig | boolean; apiKey?: string };
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const e = parseEnv(temporalEnvSchema, env, 'Temporal');
  let tls: TLSConfig | boolean | undefined;
  if (e.TEMPORAL_TLS_CLIENT_CERT_PATH || e.TEMPORAL_TLS_SERVER_CA_CERT_PATH || e.TEMPORAL_TLS_SERVER_NAME) {
    tls = {
      serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH
        ? readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', e.TEMPORAL_TLS_SERVER_CA_CERT_PATH)
        : undefined,
      clientCertPair:
        e.TEMPORAL_TLS_CLIENT_CERT_PATH && e.TEMPORAL_TLS_CLIENT_KEY_PATH
          ? {
              crt: readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', e.TEMPORAL_TLS_CLIENT_CERT_PATH),
              key: readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', e.TEMPORAL_TLS_CLIENT_KEY_PATH),
            }
          : undefined,
    };
  } else if (e.TEMPORAL_TLS !== undefined) {
    tls = e.TEMPORAL_TLS;
  } else if (e.TEMPORAL_API_KEY) {
    tls = true; // Temporal Cloud with an API key always uses TLS
  }
  if (e.TEMPORAL_TLS === false) tls = undefined;
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    connection: { address: e.TEMPORAL_ADDRESS, tls, apiKey: e.TEMPORAL_API_KEY },
  };
}
