/** Moveworks API settings of the worker. Credentials live only in the worker process (README "Configuration"). */
import { z } from 'zod';
import { ClientCredentialsAuth, MoveworksClient, StaticTokenAuth, type AuthProvider } from '../moveworks';
import { parseEnv, positiveInt } from './env';

export const DEFAULT_MOVEWORKS_BASE_URL = 'https://api.moveworks.ai/rest/v1beta1';
export const DEFAULT_MOVEWORKS_TOKEN_URL = 'https://api.moveworks.ai/oauth/v1/token';

const moveworksEnvSchema = z
  .object({
    MOVEWORKS_BASE_URL: z
      .url({ error: 'must be a URL, e.g. https://api.moveworks.ai/rest/v1beta1' })
      .default(DEFAULT_MOVEWORKS_BASE_URL),
    MOVEWORKS_ASSISTANT_NAME: z.string({
      error: 'is required: the Bot Name of the Conversations API chatbot (sent as Assistant-Name)',
    }),
    MOVEWORKS_TOKEN: z.string().optional(),
    MOVEWORKS_CLIENT_ID: z.string().optional(),
    MOVEWORKS_CLIENT_SECRET: z.string().optional(),
    MOVEWORKS_TOKEN_URL: z.url({ error: 'must be a URL' }).default(DEFAULT_MOVEWORKS_TOKEN_URL),
    MOVEWORKS_TIMEOUT_MS: positiveInt('per-request timeout in ms').default(30_000),
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
  return {
    baseUrl: e.MOVEWORKS_BASE_URL,
    assistantName: e.MOVEWORKS_ASSISTANT_NAME,
    timeoutMs: e.MOVEWORKS_TIMEOUT_MS,
    auth,
  };
}

export function createMoveworksClient(settings: MoveworksSettings): MoveworksClient {
  return new MoveworksClient({
    baseUrl: settings.baseUrl,
    assistantName: settings.assistantName,
    auth: settings.auth,
    timeoutMs: settings.timeoutMs,
  });
}
