// Bearer tokens: the static token from config, plus tokens issued by the OAuth client-credentials endpoint,
// which expire by the simulator clock.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimulatorConfig } from './config';
import { ApiError, isRecord, parseJson } from './http-io';

export class TokenRegistry {
  // token -> expiry (ms epoch). Issued tokens are random (not seeded): nothing should depend on their value.
  private readonly issued = new Map<string, number>();

  issue(now: number, ttlSeconds: number): string {
    const token = `mwt_${randomBytes(24).toString('base64url')}`;
    this.issued.set(token, now + ttlSeconds * 1000);
    return token;
  }

  isValid(token: string, now: number, staticToken: string): boolean {
    if (token === staticToken) return true;
    const expiresAt = this.issued.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }
}

/** 401 for a missing/unknown/expired bearer, then 403 for a missing or wrong Assistant-Name. */
export function authorize(
  headers: IncomingHttpHeaders,
  tokens: TokenRegistry,
  config: SimulatorConfig,
  now: number,
): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match?.[1]) throw new ApiError(401, 'UNAUTHORIZED', 'Missing or malformed bearer token.');
  if (!tokens.isValid(match[1], now, config.token)) {
    throw new ApiError(401, 'UNAUTHORIZED', 'The bearer token is invalid or expired.');
  }
  const assistant = headers['assistant-name'];
  if (assistant === undefined) throw new ApiError(403, 'FORBIDDEN', 'Missing Assistant-Name header.');
  if (assistant !== config.assistantName) throw new ApiError(403, 'FORBIDDEN', 'Invalid assistant.');
}

/** The OAuth endpoint's own error shape: `{code, message}` without the `error` envelope. */
export interface TokenEndpointResult {
  status: number;
  body: unknown;
}

function readTokenRequest(contentType: string | undefined, raw: string): Record<string, unknown> | null {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  const json = parseJson(raw);
  if (json.ok && isRecord(json.value)) return json.value;
  // No or unknown content type: accept a form body too.
  if (!json.ok && raw.includes('=')) return Object.fromEntries(new URLSearchParams(raw));
  return null;
}

export function handleTokenRequest(
  contentType: string | undefined,
  raw: string,
  tokens: TokenRegistry,
  config: SimulatorConfig,
  now: number,
): TokenEndpointResult {
  const fields = readTokenRequest(contentType, raw);
  if (fields === null) return { status: 400, body: { code: 'INVALID_REQUEST', message: 'Unreadable body.' } };
  const { client_id: clientId, client_secret: clientSecret, grant_type: grantType } = fields;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || typeof grantType !== 'string') {
    return {
      status: 400,
      body: { code: 'INVALID_REQUEST', message: 'client_id, client_secret and grant_type are required.' },
    };
  }
  if (grantType !== 'client_credentials') {
    return { status: 400, body: { code: 'UNSUPPORTED_GRANT_TYPE', message: 'Use client_credentials.' } };
  }
  if (clientId !== config.clientId || clientSecret !== config.clientSecret) {
    return { status: 401, body: { code: 'INVALID_CLIENT', message: 'Invalid client credentials.' } };
  }
  const token = {
    access_token: tokens.issue(now, config.tokenTtlSeconds),
    expires_in: config.tokenTtlSeconds,
    token_type: 'Bearer',
  };
  return { status: 200, body: config.tokenResponseShape === 'wrapped' ? { data: token } : token };
}
