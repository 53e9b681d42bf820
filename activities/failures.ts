/**
 * Turns what the Moveworks client throws into the Temporal failures that drive retries: the one place where an
 * activity's retry decision is made.
 * 429 → retryable, next attempt no sooner than Retry-After (or a capped, jittered backoff when absent);
 * 5xx, timeouts, network and malformed replies → retryable on the workflow's retry policy;
 * a 404 or 409 within the settling window of the call (the API is eventually consistent: a response just created
 * may not be readable yet, a conversation may refuse a new turn while the previous one settles) → retried every
 * second until the window closes;
 * 400/401/403/404/409/422 otherwise → non-retryable, carrying the API's error.code.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  ConflictError,
  MalformedResponseError,
  MoveworksError,
  NotFoundError,
  RateLimitError,
  StreamError,
  isRetryable,
} from '../moveworks';
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

function detailsOf(err: MoveworksError, context: FailureContext): ApiFailureDetails {
  const { attempt, http429s = 0, checkpoint } = context;
  return {
    status: err.status,
    code: err.code,
    rootUuid: err.rootUuid,
    attempt,
    ...(http429s > 0 && { http429s }),
    ...(checkpoint?.conversationId && { conversationId: checkpoint.conversationId }),
  };
}

/** How long a 404 or 409 is taken for the API still settling before it is final. */
export const SETTLING_WINDOW_MS = 30_000;
const SETTLING_RETRY_MS = 1_000;

export interface FailureContext {
  attempt: number;
  /** 429s the same call got before this activity began (in an inline poll): the backoff continues from there. */
  earlier429s?: number;
  /** Until when (ms epoch) a 404 or 409 is retried as the API settling; unset: never. */
  settlingUntilMs?: number;
  /** 429s this activity's attempts got, this one's included: reported with a final failure. */
  http429s?: number;
  /** openConversation: what it has created so far (read when it fails), so the workflow can go on with it. */
  checkpoint?: { conversationId?: string };
}

/**
 * Map any error thrown by the Moveworks client to an ApplicationFailure; anything else is rethrown unchanged.
 * Every call is idempotent (GETs by nature, POSTs because a retry reconciles first), so a malformed reply is
 * retried like a 5xx, and so is a stream that broke before it named its response (the question may have been
 * asked: the retry finds it through the message list instead of asking again).
 */
export function toTemporalFailure(err: unknown, context: FailureContext): unknown {
  if (!(err instanceof MoveworksError)) return err;
  const { attempt, earlier429s = 0, settlingUntilMs = 0 } = context;
  const failure = { message: err.message, type: err.name, details: [detailsOf(err, context)] };
  if (err instanceof RateLimitError) {
    return ApplicationFailure.create({ ...failure, nextRetryDelay: rateLimitDelayMs(err, attempt + earlier429s) });
  }
  const settling = (err instanceof NotFoundError || err instanceof ConflictError) && Date.now() < settlingUntilMs;
  if (settling) return ApplicationFailure.create({ ...failure, nextRetryDelay: SETTLING_RETRY_MS });
  return ApplicationFailure.create({
    ...failure,
    nonRetryable: !(isRetryable(err) || err instanceof MalformedResponseError || err instanceof StreamError),
  });
}
