/**
 * Who may call the gateway: the bearer token (MWBATCH_SERVE_TOKEN), and the one case that may go without it, a
 * gateway bound to a loopback address with `--insecure-local`; and how it logs (MWBATCH_LOG_FORMAT/LEVEL).
 */
import { z } from 'zod';
import { ConfigError } from '../common/errors';
import { parseEnv } from '../config/env';
import { isLoopbackHost } from '../config/loopback';
import { createLogger, secretValues, type Logger } from '../observability/logger';
import { loadLogSettings } from '../observability/settings';

export const MIN_TOKEN_CHARS = 16;

const serveEnvSchema = z.object({
  MWBATCH_SERVE_TOKEN: z
    .string()
    .min(MIN_TOKEN_CHARS, `must be at least ${MIN_TOKEN_CHARS} characters (e.g. openssl rand -hex 32)`)
    .regex(/^\S+$/, 'must not contain spaces')
    .optional(),
});

/**
 * The token the gateway asks for; undefined only with `--insecure-local` on a loopback address. Anything else
 * without a token is refused (ConfigError, exit 2) before the gateway binds.
 */
export function loadServeToken(
  env: NodeJS.ProcessEnv,
  { host, insecureLocal }: { host: string; insecureLocal: boolean },
): string | undefined {
  const token = parseEnv(serveEnvSchema, env, 'gateway').MWBATCH_SERVE_TOKEN;
  if (token !== undefined) return token;
  if (!insecureLocal) {
    throw new ConfigError(
      'MWBATCH_SERVE_TOKEN is not set: the gateway asks every caller for this bearer token. Set it (e.g. ' +
        '`export MWBATCH_SERVE_TOKEN=$(openssl rand -hex 32)`), or pass --insecure-local to serve without a token on a loopback address.',
    );
  }
  if (!isLoopbackHost(host)) {
    throw new ConfigError(
      `--insecure-local serves without a token, so only on a loopback address (127.0.0.1, ::1, localhost), not ${host}. Set MWBATCH_SERVE_TOKEN to serve on ${host}.`,
    );
  }
  return undefined;
}

/** The gateway's logger: JSON lines in a container, text on a terminal; never the token or any other secret. */
export function gatewayLogger(env: NodeJS.ProcessEnv, write?: (line: string) => void): Logger {
  return createLogger({ ...loadLogSettings(env), secrets: secretValues(env), write });
}
