/**
 * What the workflow of a scheduled evaluation run needs to notify a webhook: whether this run's summary calls for a
 * notification (the schedule's policy), the notification activity's input and outcome, and how that activity is
 * timed out and retried. Pure (no Node modules): workflow code imports it. The message and its delivery are in
 * evaluation/notify.ts, which runs on the workers.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';
import type { RunSummary } from './types';

export const NOTIFY_POLICIES = ['on-regression', 'on-failure', 'always', 'never'] as const;

/**
 * When a run notifies: `on-regression` when a question that passed in the baseline does not now; `on-failure` when
 * any question did not pass (failed a check or got no answer); `always`; `never`.
 */
export type NotifyPolicy = (typeof NOTIFY_POLICIES)[number];

/** For the code that reads a schedule's options: is this one of the policies? */
export function isNotifyPolicy(value: string): value is NotifyPolicy {
  return (NOTIFY_POLICIES as readonly string[]).includes(value);
}

export function shouldNotify(policy: NotifyPolicy, summary: RunSummary): boolean {
  switch (policy) {
    case 'on-regression':
      return summary.regressions.length > 0;
    case 'on-failure':
      return summary.passed < summary.questions;
    case 'always':
      return true;
    case 'never':
      return false;
  }
}

/**
 * Whether a variable is one of the workers' own settings (API and Temporal endpoints, credentials, keys): a schedule
 * must not name one as its webhook, which would send a run's summary to, say, the Moveworks API.
 */
export function isWorkerSetting(name: string): boolean {
  return /^(MOVEWORKS_|TEMPORAL_|MWBATCH_)/.test(name) && name !== 'MWBATCH_NOTIFY_URL';
}

export interface NotifyInput {
  summary: RunSummary;
  /** Where the run's report is, as the message should show it (a path or a link). */
  reportPath?: string;
  /** Question id -> question text, for the regressions (the message lists them). */
  questions: Record<string, string>;
  /**
   * The environment variable on the workers that holds this schedule's webhook URL (e.g. TEAM_A_WEBHOOK); default
   * MWBATCH_NOTIFY_URL. Only the variable's name crosses Temporal: the URL is a secret and stays on the workers.
   */
  urlEnv?: string;
}

export interface NotifyOutcome {
  delivered: boolean;
  /** POSTs made, this activity's retries included; 0 when the configuration stopped it before any. */
  attempts: number;
  /** The webhook's HTTP status, when it answered. */
  status?: number;
  /** Why it was not delivered: never the URL, its host or its port. */
  error?: string;
}

/**
 * The notification activity's retries: a 5xx, a timeout or a network error is tried again up to 6 POSTs in all,
 * 1 s, 2 s, 4 s, 8 s, 16 s apart (a 429's Retry-After overrides the interval). The last attempt returns
 * `delivered: false` with the reason rather than failing.
 */
export const NOTIFY_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 6,
};

/**
 * Options for `proxyActivities` of the notification activity. One POST gives up after 10 s, so 15 s bounds an
 * attempt. The worst case of 6 attempts (6 × 10 s plus 31 s of backoff, about 1.5 min) fits in 5 min, with room
 * for a 429 asking for a wait of a minute or two; a webhook still unavailable after that is reported as the
 * activity's failure (the workflow catches it: a notification must never fail the run).
 */
export const NOTIFY_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '5m',
  retry: NOTIFY_RETRY,
};
