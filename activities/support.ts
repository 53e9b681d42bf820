/** What every HTTP activity shares: failure mapping, the key of an activity across attempts, POST bookkeeping. */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { extractAnswer, formatSize, ResponseTooLargeError, type AssistantResponse } from '../moveworks';
import type { FetchResponseOutput } from '../common/activity-types';
import { SETTLING_WINDOW_MS, toTemporalFailure, type FailureContext } from './failures';
import type { RejectedAttempts } from './reconcile';

/** Runs one activity attempt; whatever the Moveworks client throws becomes the failure that drives the retry. */
export async function withFailureMapping<T>(
  call: (attempt: number) => Promise<T>,
  context: Omit<FailureContext, 'attempt'> = {},
): Promise<T> {
  const { attempt } = activityInfo();
  try {
    return await call(attempt);
  } catch (err) {
    throw toTemporalFailure(err, { ...context, attempt });
  }
}

/** A 404 or 409 is taken for the API settling until this long after the call was first scheduled. */
export function settlingWindow(): { settlingUntilMs: number } {
  return { settlingUntilMs: activityInfo().scheduledTimestampMs + SETTLING_WINDOW_MS };
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

/**
 * Citations travel beside the answer (itself capped by the client at 512 KiB) in one activity result: Temporal
 * refuses a payload over 2 MB, so their share is capped too.
 */
const MAX_CITATIONS_BYTES = 512 * 1024;

/** What a workflow needs of a response that reached COMPLETED or FAILED: the answer, not the raw outputs. */
export function terminalOutput(response: AssistantResponse, attempt: number): FetchResponseOutput {
  const answer = extractAnswer(response);
  const citationBytes = Buffer.byteLength(JSON.stringify(answer.citations));
  if (citationBytes > MAX_CITATIONS_BYTES) {
    throw new ResponseTooLargeError(
      `response ${response.response_id}: citations (${citationBytes} bytes) exceed the size limit of ${formatSize(MAX_CITATIONS_BYTES)}`,
      { limit: MAX_CITATIONS_BYTES, unit: 'bytes', responseId: response.response_id },
    );
  }
  return { status: response.status, terminal: true, answer: answer.text, citations: answer.citations, attempt };
}

/**
 * How often a heartbeating activity beats while it waits: well within the 10 s heartbeat timeout, and late enough
 * that a quick turn (an answer within 4 s) ends before the first beat, which would otherwise cost one more request
 * to the server (the SDK sends a beat still pending when the activity completes).
 */
const HEARTBEAT_EVERY_MS = 4_000;

/**
 * Heartbeat every few seconds with the current checkpoint, until the returned function is called. The first beat
 * comes after HEARTBEAT_EVERY_MS, well within the heartbeat timeout: the SDK sends an activity's first heartbeat at
 * once and throttles the later ones, so that first, immediate one is left for the moment the checkpoint gets its
 * response id (the caller heartbeats then). A quick turn thus costs one heartbeat, and it carries the id.
 */
export function keepHeartbeating(checkpoint: () => unknown): () => void {
  const timer = setInterval(() => heartbeat(checkpoint()), HEARTBEAT_EVERY_MS);
  return () => clearInterval(timer);
}
