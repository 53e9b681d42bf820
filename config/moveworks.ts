/** Moveworks API settings of the worker. Credentials live only in the worker process (README "Configuration"). */
import { z } from 'zod';
import {
  ClientCredentialsAuth,
  MoveworksClient,
  StaticTokenAuth,
  type AuthProvider,
  type MoveworksClientOptions,
} from '../moveworks';
import {
  apiFlavourFrom,
  ApiFlavourError,
  DEFAULT_BASE_URLS,
  resolveApi,
  type ApiFlavour,
} from '../moveworks/api-flavour';
import { booleanFlag, parseEnv, positiveInt } from './env';
import { isLoopbackHost } from './loopback';

/** The beta API's published base URL, the default when neither MOVEWORKS_API nor MOVEWORKS_BASE_URL says. */
export const DEFAULT_MOVEWORKS_BASE_URL = DEFAULT_BASE_URLS.beta;
export const DEFAULT_MOVEWORKS_TOKEN_URL = 'https://api.moveworks.ai/oauth/v1/token';

/**
 * MWBATCH_ALLOW_INSECURE_HTTP: 1 or true lets http:// reach any host; a comma-separated list of host names only
 * those (docker-compose.yml: `simulator`); unset, 0 or false none but loopback.
 */
const insecureHttpHosts = z.string().transform((value, ctx): true | string[] => {
  const flag = booleanFlag.safeParse(value);
  if (flag.success) return flag.data ? true : [];
  const hosts = value.split(',').map((host) => host.trim().toLowerCase());
  if (hosts.every((host) => /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host))) return hosts;
  ctx.addIssue({ code: 'custom', message: 'must be 1 (any host), 0, or host names separated by commas' });
  return z.NEVER;
});

const moveworksEnvSchema = z
  .object({
    /** Unset: the API's published base URL (the one MOVEWORKS_API names; beta when neither says). */
    MOVEWORKS_BASE_URL: z.url({ error: 'must be a URL, e.g. https://api.moveworks.ai/rest/v1beta1' }).optional(),
    /** beta | v1; unset: detected from MOVEWORKS_BASE_URL's path (moveworks/api-flavour.ts). */
    MOVEWORKS_API: z.string().optional(),
    MOVEWORKS_ASSISTANT_NAME: z.string({
      error: 'is required: the Bot Name of the Conversations API chatbot (sent as Assistant-Name)',
    }),
    MOVEWORKS_TOKEN: z.string().optional(),
    MOVEWORKS_CLIENT_ID: z.string().optional(),
    MOVEWORKS_CLIENT_SECRET: z.string().optional(),
    MOVEWORKS_TOKEN_URL: z.url({ error: 'must be a URL' }).default(DEFAULT_MOVEWORKS_TOKEN_URL),
    MOVEWORKS_TIMEOUT_MS: positiveInt('per-request timeout in ms').default(30_000),
    MWBATCH_ALLOW_INSECURE_HTTP: insecureHttpHosts.optional(),
  })
  .superRefine((env, ctx) => {
    try {
      apiFlavourFrom(env.MOVEWORKS_API, env.MOVEWORKS_BASE_URL);
    } catch (err) {
      if (!(err instanceof ApiFlavourError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['MOVEWORKS_API'], message: err.message.replace(/^MOVEWORKS_API /, '') });
    }
  })
  .superRefine((env, ctx) => {
    // The token (or the client secret) would cross the network in clear text.
    const allowed = env.MWBATCH_ALLOW_INSECURE_HTTP ?? [];
    if (allowed === true) return;
    for (const name of ['MOVEWORKS_BASE_URL', 'MOVEWORKS_TOKEN_URL'] as const) {
      const value = env[name];
      const url = value && URL.canParse(value) ? new URL(value) : undefined; // not a URL: reported on its own
      if (!url || url.protocol !== 'http:' || isLoopbackHost(url.hostname) || allowed.includes(url.hostname)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message:
          `plain http:// to ${url.host} would send the Moveworks credentials in clear text: use https://, ` +
          'or set MWBATCH_ALLOW_INSECURE_HTTP=1 for a trusted network (http:// to this machine is always allowed)',
      });
    }
  })
  .superRefine((env, ctx) => {
    if (env.MOVEWORKS_TOKEN) return;
    if (!env.MOVEWORKS_CLIENT_ID && !env.MOVEWORKS_CLIENT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['MOVEWORKS_TOKEN'],
        message: 'is required, unless MOVEWORKS_CLIENT_ID and MOVEWORKS_CLIENT_SECRET are set',
      });
      return;
    }
    for (const name of ['MOVEWORKS_CLIENT_ID', 'MOVEWORKS_CLIENT_SECRET'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required for client credentials' });
    }
  });

export interface MoveworksSettings {
  /** Which Conversations API the base URL serves (MOVEWORKS_API, or detected): its request shapes. */
  api: ApiFlavour;
  baseUrl: string;
  assistantName: string;
  timeoutMs: number;
  auth: AuthProvider;
}

export function loadMoveworksSettings(env: NodeJS.ProcessEnv = process.env): MoveworksSettings {
  const e = parseEnv(moveworksEnvSchema, env, 'Moveworks');
  const auth: AuthProvider = e.MOVEWORKS_TOKEN
    ? new StaticTokenAuth(e.MOVEWORKS_TOKEN)
    : new ClientCredentialsAuth({
        tokenUrl: e.MOVEWORKS_TOKEN_URL,
        clientId: e.MOVEWORKS_CLIENT_ID!,
        clientSecret: e.MOVEWORKS_CLIENT_SECRET!,
      });
  const { api, baseUrl } = resolveApi(e.MOVEWORKS_API, e.MOVEWORKS_BASE_URL);
  return {
    api,
    baseUrl,
    assistantName: e.MOVEWORKS_ASSISTANT_NAME,
    timeoutMs: e.MOVEWORKS_TIMEOUT_MS,
    auth,
  };
}

/** `observe`: the worker's metrics and logs (onExchange, told of every HTTP response). */
export function createMoveworksClient(
  settings: MoveworksSettings,
  observe: Pick<MoveworksClientOptions, 'onExchange' | 'onUnknown'> = {},
): MoveworksClient {
  return new MoveworksClient({
    ...observe,
    api: settings.api,
    baseUrl: settings.baseUrl,
    assistantName: settings.assistantName,
    auth: settings.auth,
    timeoutMs: settings.timeoutMs,
  });
}
