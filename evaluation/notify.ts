/**
 * The webhook notification of a scheduled evaluation run: the message (Slack text, or the summary as JSON, chosen
 * by MWBATCH_NOTIFY_FORMAT) and the activity that POSTs it. When a run notifies, and how the activity is retried,
 * is in evaluation/notify-policy.ts (pure, for the workflow).
 *
 * The webhook URL is a secret (whoever has it can post to the channel): it is read from the workers' environment
 * (MWBATCH_NOTIFY_URL, or the variable the schedule names) and never crosses Temporal, nor reaches a log line, an
 * error or the activity's result. Node's fetch errors can name the URL or its host (in `cause`): they are never
 * passed on, only mapped to a generic reason such as "connection refused".
 *
 * One POST per activity attempt, with `Idempotency-Key: <run id>` so a receiver that honours it drops a repeat:
 * 2xx → delivered; 429 → retried after its Retry-After; 5xx, timeout or network error → retried on NOTIFY_RETRY,
 * the last attempt returning `delivered: false`; another 4xx, or a redirect (not followed: it would send the
 * summary elsewhere) → `delivered: false` at once.
 */
import { ApplicationFailure, activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { z } from 'zod';
import { parseEnv } from '../config/env';
import { parseRetryAfter } from '../moveworks/retry-after';
import { isWorkerSetting, type NotifyInput, type NotifyOutcome } from './notify-policy';
import { passRateText } from './summary';
import type { RunSummary } from './types';

export * from './notify-policy';

export const NOTIFY_URL_ENV = 'MWBATCH_NOTIFY_URL';
export const NOTIFY_FORMAT_ENV = 'MWBATCH_NOTIFY_FORMAT';
/** One POST gives up after this. */
export const NOTIFY_TIMEOUT_MS = 10_000;
/** A 429's Retry-After is honoured within these bounds. */
export const NOTIFY_RETRY_AFTER_MIN_MS = 1_000;
export const NOTIFY_RETRY_AFTER_MAX_MS = 5 * 60_000;
/** The Slack message lists at most this many regressions. */
export const MAX_LISTED_REGRESSIONS = 20;
/** A listed question is cut to this many characters. */
const MAX_QUESTION_CHARS = 200;

export type NotifyFormat = 'slack' | 'json';

const formatSchema = z.object({
  [NOTIFY_FORMAT_ENV]: z.enum(['slack', 'json'], { error: 'must be slack or json' }).default('slack'),
});

/** The message format the workers' environment asks for; a ConfigError naming the variable when it is neither. */
export function notifyFormat(env: NodeJS.ProcessEnv): NotifyFormat {
  return parseEnv(formatSchema, env, 'notification')[NOTIFY_FORMAT_ENV];
}

/** Slack reads `&`, `<` and `>` in text as markup (links, mentions): text from the suite must not be. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A question on one line, cut to MAX_QUESTION_CHARS (whole characters, never half a surrogate pair). */
function oneLine(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= MAX_QUESTION_CHARS ? chars.join('') : `${chars.slice(0, MAX_QUESTION_CHARS - 1).join('')}…`;
}

/**
 * A Slack-compatible message (`{ text }`, mrkdwn): suite, run, pass rate against the baseline, the regressions
 * with their questions (the first MAX_LISTED_REGRESSIONS), flaky questions, and where the report is.
 */
export function slackBody(
  summary: RunSummary,
  reportPath: string | undefined,
  questionOf: Record<string, string>,
): { text: string } {
  const baseline = summary.baseline_run_id === null ? 'no baseline' : `baseline: run ${summary.baseline_run_id}`;
  const lines = [
    `*Evaluation of ${escapeSlack(summary.suite)}*, run ${escapeSlack(summary.run_id)}`,
    `Pass rate ${passRateText(summary.pass_rate)}: ${summary.passed} of ${summary.questions} questions passed, ` +
      `${summary.failed} failed, ${summary.errors} errors (${escapeSlack(baseline)})`,
  ];
  const { regressions } = summary;
  if (regressions.length > 0) {
    lines.push(`*${regressions.length} regression${regressions.length === 1 ? '' : 's'}*:`);
    for (const id of regressions.slice(0, MAX_LISTED_REGRESSIONS)) {
      const question = questionOf[id];
      lines.push(`• ${escapeSlack(id)}${question === undefined ? '' : `: ${escapeSlack(oneLine(question))}`}`);
    }
    if (regressions.length > MAX_LISTED_REGRESSIONS) {
      lines.push(`… and ${regressions.length - MAX_LISTED_REGRESSIONS} more`);
    }
  } else if (summary.baseline_run_id !== null) {
    lines.push('No regressions');
  }
  lines.push(`Flaky: ${summary.flaky.length}`);
  if (reportPath !== undefined && reportPath !== '') lines.push(`Report: ${escapeSlack(reportPath)}`);
  return { text: lines.join('\n') };
}

/** The summary as summary.json has it, and where the report is. */
export function jsonBody(
  summary: RunSummary,
  reportPath: string | undefined,
): { summary: RunSummary; report_path: string | null } {
  return { summary, report_path: reportPath || null };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Target = { ok: true; url: URL } | { ok: false; error: string };

/** The webhook URL from the workers' environment, or why there is none; an error names the variable, never its value. */
function webhookTarget(env: NodeJS.ProcessEnv, urlEnv: string | undefined): Target {
  if (urlEnv !== undefined && !ENV_NAME.test(urlEnv)) {
    return { ok: false, error: `the schedule's webhook variable ${JSON.stringify(urlEnv.slice(0, 64))} is not a name` };
  }
  if (urlEnv !== undefined && isWorkerSetting(urlEnv)) {
    return { ok: false, error: `the schedule's webhook variable ${urlEnv} is one of the workers' own settings` };
  }
  const variable = urlEnv ?? NOTIFY_URL_ENV;
  const value = env[variable]?.trim();
  if (!value) return { ok: false, error: `no webhook URL: set ${variable} on the workers` };
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return { ok: false, error: `${variable} on the workers is not an http(s) URL` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, error: `${variable} on the workers holds a user name or password, which fetch refuses` };
  }
  return { ok: true, url };
}

/** What one POST came to. */
type PostResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'refused'; status: number; error: string }
  | { kind: 'retry'; status?: number; error: string; retryAfterMs?: number };

/** Socket error codes (Node's and undici's) and what they are called in a message. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS did not answer)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out connecting',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  UND_ERR_HEADERS_TIMEOUT: 'timed out',
};

/** The first `code` down the error's cause chain (fetch wraps the socket error in a TypeError). */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A generic reason for what fetch threw: only a fixed phrase and the error code, never the error's text. */
function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs / 1000} s`;
  }
  const code = errorCode(err);
  if (code === undefined || !/^[A-Z][A-Z0-9_]*$/.test(code)) return 'network error';
  const reason = NETWORK_REASONS[code];
  if (reason !== undefined) return reason;
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(code)) return `TLS error (${code})`;
  return `network error (${code})`;
}

function retryAfterMs(header: string | null): number | undefined {
  const ms = parseRetryAfter(header);
  if (ms === undefined) return undefined;
  return Math.min(NOTIFY_RETRY_AFTER_MAX_MS, Math.max(NOTIFY_RETRY_AFTER_MIN_MS, ms));
}

async function postOnce(url: URL, body: unknown, runId: string, timeoutMs: number): Promise<PostResult> {
  const cancelled = cancellationSignal();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': runId },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancelled]),
    });
  } catch (err) {
    // Cancelled by Temporal: its own CancelledFailure, which names no URL.
    if (cancelled.aborted) throw cancelled.reason;
    return { kind: 'retry', error: networkReason(err, timeoutMs) };
  }
  // The reply's content is not used (and may be large): drop it, freeing the connection.
  await res.body?.cancel().catch(() => undefined);
  const { status } = res;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 429) {
    return { kind: 'retry', status, error: 'HTTP 429', retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
  }
  // 408 is the receiver's own "try again".
  if (status >= 500 || status === 408) return { kind: 'retry', status, error: `HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { kind: 'refused', status, error: `HTTP ${status} (redirects are not followed)` };
  }
  return { kind: 'refused', status, error: `HTTP ${status}` };
}

export interface NotifyActivityOptions {
  /** One POST gives up after this; default NOTIFY_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The notification activity, reading the webhook's URL and the message format from `env` (the worker's). */
export function createNotifyActivities(env: NodeJS.ProcessEnv = process.env, options: NotifyActivityOptions = {}) {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  return {
    async notifyRun(input: NotifyInput): Promise<NotifyOutcome> {
      const { attempt, retryPolicy } = activityInfo();
      const runId = input.summary.run_id;
      const notDelivered = (outcome: NotifyOutcome): NotifyOutcome => {
        log.warn('Webhook notification not delivered', { runId, ...outcome });
        return outcome;
      };

      let format: NotifyFormat;
      try {
        format = notifyFormat(env);
      } catch (err) {
        return notDelivered({ delivered: false, attempts: 0, error: (err as Error).message });
      }
      const target = webhookTarget(env, input.urlEnv);
      if (!target.ok) return notDelivered({ delivered: false, attempts: 0, error: target.error });

      const body =
        format === 'slack'
          ? slackBody(input.summary, input.reportPath, input.questions)
          : jsonBody(input.summary, input.reportPath);
      const result = await postOnce(target.url, body, runId, timeoutMs);
      switch (result.kind) {
        case 'delivered':
          log.info('Webhook notified', { runId, status: result.status, attempts: attempt });
          return { delivered: true, attempts: attempt, status: result.status };
        case 'refused':
          return notDelivered({ delivered: false, attempts: attempt, status: result.status, error: result.error });
        case 'retry': {
          const maximumAttempts = retryPolicy?.maximumAttempts ?? 0;
          if (maximumAttempts > 0 && attempt >= maximumAttempts) {
            const error = `${result.error} (gave up after ${attempt} attempts)`;
            return notDelivered({ delivered: false, attempts: attempt, status: result.status, error });
          }
          throw ApplicationFailure.create({
            message: `webhook not reached: ${result.error}`,
            type: 'WebhookUnavailable',
            nextRetryDelay: result.retryAfterMs,
            details: result.status === undefined ? undefined : [{ status: result.status }],
          });
        }
      }
    },
  };
}
