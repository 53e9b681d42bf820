/**
 * Turns what the Moveworks client throws into the Temporal failures that drive retries (design.md 3.5).
 * 429 → retryable, next attempt no sooner than Retry-After (or a capped, jittered backoff when absent);
 * 5xx, timeouts, network and malformed replies → retryable on the workflow's retry policy;
 * 400/401/403/404/409/422 → non-retryable, carrying the API's error.code.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { MalformedResponseError, MoveworksError, RateLimitError, isRetryable } from '../moveworks';
import type { ApiFailureDetails } from '../common/activity-types';

/** Never wait less than this after a 429, nor longer than the cap, whatever the header says. */
export const RATE_LIMIT_MIN_DELAY_MS = 250;
export const RATE_LIMIT_MAX_DELAY_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 60_000;

/** Full-jitter exponential backoff for a 429 that came without Retry-After. */
export function rateLimitBackoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function rateLimitDelayMs(err: RateLimitError, attempt: number): number {
  if (err.retryAfterMs === undefined) return rateLimitBackoffMs(attempt);
  return Math.min(RATE_LIMIT_MAX_DELAY_MS, Math.max(RATE_LIMIT_MIN_DELAY_MS, err.retryAfterMs));
}

function detailsOf(err: MoveworksError, attempt: number): ApiFailureDetails {
  return { status: err.status, code: err.code, rootUuid: err.rootUuid, attempt };
}

/**
 * Map any error thrown by the Moveworks client to an ApplicationFailure; anything else is rethrown unchanged.
 * `idempotent` calls (GETs, and POSTs that reconcile before repeating) also retry a malformed reply.
 */
export function toTemporalFailure(err: unknown, attempt: number, idempotent = false, earlier429s = 0): unknown {
  if (!(err instanceof MoveworksError)) return err;
  const details = detailsOf(err, attempt);
  if (err instanceof RateLimitError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.name,
      details: [details],
      nextRetryDelay: rateLimitDelayMs(err, attempt + earlier429s),
    });
  }
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    details: [details],
    nonRetryable: !(isRetryable(err) || (idempotent && err instanceof MalformedResponseError)),
  });
}
