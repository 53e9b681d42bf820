/** What every HTTP activity shares: failure mapping, the key of an activity across attempts, POST bookkeeping. */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { extractAnswer, type Response } from '../moveworks';
import type { FetchResponseOutput } from '../common/activity-types';
import { toTemporalFailure } from './failures';
import type { RejectedAttempts } from './reconcile';

/**
 * Every call is safe to repeat: GETs by nature, POSTs because a retry reconciles first. So a malformed reply is
 * retried like a 5xx. `earlier429s`: 429s the same call got before this activity began (in an inline poll), so
 * the backoff after a 429 without Retry-After keeps growing across the hand-over.
 */
export async function withFailureMapping<T>(call: (attempt: number) => Promise<T>, earlier429s = 0): Promise<T> {
  const { attempt } = activityInfo();
  try {
    return await call(attempt);
  } catch (err) {
    throw toTemporalFailure(err, attempt, true, earlier429s);
  }
}

/** Identifies one activity across its attempts. */
export function activityKey(): string {
  const info = activityInfo();
  return `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;
}

/** Run a POST, remembering whether a failure certainly left nothing behind at the API. */
export async function posting<T>(rejected: RejectedAttempts, key: string, post: () => Promise<T>): Promise<T> {
  try {
    return await post();
  } catch (err) {
    rejected.note(key, err);
    throw err;
  }
}

/** What a workflow needs of a response that reached COMPLETED or FAILED. */
export function terminalOutput(response: Response, attempt: number): FetchResponseOutput {
  const answer = extractAnswer(response);
  return {
    status: response.status,
    terminal: true,
    answer: answer.text,
    citations: answer.citations,
    outputs: response.outputs ?? [],
    attempt,
  };
}

/** How often a heartbeating activity beats while it waits (the SDK throttles to 80 % of the heartbeat timeout). */
const HEARTBEAT_EVERY_MS = 2_000;

/** Heartbeat now and every few seconds with the current checkpoint, until the returned function is called. */
export function keepHeartbeating(checkpoint: () => unknown): () => void {
  const beat = () => heartbeat(checkpoint());
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  return () => clearInterval(timer);
}
