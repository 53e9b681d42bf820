/**
 * One cheap Moveworks API call (list conversations, limit 1) that tells whether the worker's configuration can work
 * at all: `submit` runs it through a worker before fanning out (workflows/api-check.ts), `mwbatch doctor` too, and
 * the worker process at start. The result is plain data naming the variable to fix, never a secret.
 */
import { cancellationSignal } from '@temporalio/activity';
import {
  AuthenticationError,
  ConnectionError,
  ForbiddenError,
  MoveworksError,
  NotFoundError,
  RequestTimeoutError,
  type MoveworksClient,
} from '../moveworks';

export type ApiProblemKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'other';

export interface ApiCheckFailure {
  ok: false;
  problem: ApiProblemKind;
  /** What went wrong, from the client's own (redacted) error messages. */
  message: string;
  /** The environment variable(s) to fix; absent when the API itself is at fault (5xx, 429). */
  variable?: string;
}

export type ApiCheckResult = { ok: true } | ApiCheckFailure;

/** The check answers within this, whatever MOVEWORKS_TIMEOUT_MS says: a slow answer is reported, not waited on. */
export const API_CHECK_TIMEOUT_MS = 10_000;

/** Configuration errors no retry can fix: the batch (or the worker) stops on them. */
export function isFatalApiProblem(failure: ApiCheckFailure): boolean {
  return failure.problem !== 'other';
}

/**
 * Socket errors that mean "nobody answers at that address": an unknown host, refused or unroutable, TLS that cannot
 * work. Not EAI_AGAIN (a DNS server that did not answer this time) nor resets: those may pass.
 */
function isUnreachable(err: ConnectionError): boolean {
  const code = err.code ?? '';
  return (
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code) ||
    /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(code)
  );
}

const TOKEN_VARIABLES = 'MOVEWORKS_CLIENT_ID/MOVEWORKS_CLIENT_SECRET';
const CREDENTIAL_VARIABLES = `MOVEWORKS_TOKEN or ${TOKEN_VARIABLES}`;

/** Failures of the OAuth token endpoint carry its absolute URL as their path; API calls a path under the base URL. */
function fromTokenEndpoint(err: MoveworksError): boolean {
  return /^https?:\/\//.test(err.path ?? '');
}

/** What a failed check means for the operator, from the error the Moveworks client threw. */
export function classifyApiFailure(err: unknown, baseUrl: string): ApiCheckResult {
  if (!(err instanceof MoveworksError)) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${API_CHECK_TIMEOUT_MS / 1000} s`
        : String(err);
    return { ok: false, problem: 'other', message: `GET /conversations: ${reason}`, variable: 'MOVEWORKS_BASE_URL' };
  }
  const { message } = err;
  if (fromTokenEndpoint(err)) {
    if (err instanceof ConnectionError && isUnreachable(err)) {
      return { ok: false, problem: 'unreachable', message, variable: 'MOVEWORKS_TOKEN_URL' };
    }
    if (err.status === 400 || err.status === 401 || err.status === 403) {
      return { ok: false, problem: 'unauthorized', message, variable: TOKEN_VARIABLES };
    }
    return { ok: false, problem: 'other', message, variable: 'MOVEWORKS_TOKEN_URL' };
  }
  if (err instanceof ConnectionError && isUnreachable(err)) {
    return {
      ok: false,
      problem: 'unreachable',
      message: `cannot reach ${baseUrl}: ${message}`,
      variable: 'MOVEWORKS_BASE_URL',
    };
  }
  if (err instanceof AuthenticationError) {
    return { ok: false, problem: 'unauthorized', message, variable: CREDENTIAL_VARIABLES };
  }
  if (err instanceof ForbiddenError) {
    const hint = ' (a wrong assistant name, or credentials without access to it)';
    return { ok: false, problem: 'forbidden', message: `${message}${hint}`, variable: 'MOVEWORKS_ASSISTANT_NAME' };
  }
  if (err instanceof NotFoundError) {
    return {
      ok: false,
      problem: 'other',
      message: `${message} (is ${baseUrl} the API base?)`,
      variable: 'MOVEWORKS_BASE_URL',
    };
  }
  if (err instanceof ConnectionError || err instanceof RequestTimeoutError) {
    return { ok: false, problem: 'other', message, variable: 'MOVEWORKS_BASE_URL' };
  }
  return { ok: false, problem: 'other', message }; // 5xx, 429, a malformed reply: the API's doing, not the settings'
}

/** GET /conversations?limit=1 with the worker's own client; never throws. */
export async function checkMoveworksApi(moveworks: MoveworksClient, signal?: AbortSignal): Promise<ApiCheckResult> {
  const timeout = AbortSignal.timeout(API_CHECK_TIMEOUT_MS);
  try {
    await moveworks
      .listConversations(
        { limit: 1 },
        { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, timeoutMs: API_CHECK_TIMEOUT_MS },
      )
      .firstPage();
    return { ok: true };
  } catch (err) {
    return classifyApiFailure(err, moveworks.baseUrl);
  }
}

export function createApiCheckActivities({ moveworks }: { moveworks: MoveworksClient }) {
  return {
    /** Plain data in, plain data out: a failed check is a result, not an activity failure to retry. */
    async checkApi(): Promise<ApiCheckResult> {
      return checkMoveworksApi(moveworks, cancellationSignal());
    },
  };
}

export type ApiCheckActivities = ReturnType<typeof createApiCheckActivities>;
