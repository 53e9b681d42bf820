/**
 * What every HTTP activity shares: failure mapping, heartbeats that count 429s across attempts, the key of an
 * activity across attempts, POST bookkeeping.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { extractAnswer, formatSize, RateLimitError, ResponseTooLargeError, type AssistantResponse } from '../moveworks';
import type { FetchResponseOutput } from '../common/activity-types';
import { SETTLING_WINDOW_MS, toTemporalFailure, type FailureContext } from './failures';
import { conversationMarker, type RejectedAttempts } from './reconcile';

// --- Heartbeats, and the 429s they count ---
//
// A 429 fails the attempt (Temporal retries it after Retry-After), so the attempt that succeeds never saw the
// earlier ones. Each 429 is therefore added to the activity's heartbeat details, which Temporal hands to the next
// attempt, and the successful attempt reports the total as `http429s`. The count rides beside the activity's own
// checkpoint (the response id), never instead of it: a retry must still find its response.

/** The details this attempt heartbeated last, per running activity. */
const lastBeat = new WeakMap<Context, Record<string, unknown>>();

/** 429s the earlier attempts of this activity got. */
function earlier429s(): number {
  const details = activityInfo().heartbeatDetails as { http429s?: unknown } | undefined;
  return typeof details?.http429s === 'number' ? details.http429s : 0;
}

/** Heartbeat the activity's checkpoint, carrying the 429 count forward. */
export function beat(checkpoint: Record<string, unknown> = {}): void {
  const details = { ...checkpoint, http429s: earlier429s() };
  lastBeat.set(Context.current(), details);
  heartbeat(details);
}

/** A 429 ends this attempt: one more in the count, the last checkpoint (this attempt's or an earlier one's) kept. */
function count429(): void {
  const earlier = activityInfo().heartbeatDetails as Record<string, unknown> | undefined;
  const last = lastBeat.get(Context.current()) ?? earlier ?? {};
  heartbeat({ ...last, http429s: earlier429s() + 1 });
}

/**
 * Runs one activity attempt; whatever the Moveworks client throws becomes the failure that drives the retry. The
 * result carries the 429s of the earlier attempts, when there were any.
 */
export async function withFailureMapping<T extends object>(
  call: (attempt: number) => Promise<T>,
  context: Omit<FailureContext, 'attempt'> = {},
): Promise<T & { http429s?: number }> {
  const { attempt } = activityInfo();
  const before = earlier429s();
  try {
    const output = await call(attempt);
    return before > 0 ? { ...output, http429s: before } : output;
  } catch (err) {
    const rateLimited = err instanceof RateLimitError;
    if (rateLimited) count429();
    throw toTemporalFailure(err, { ...context, attempt, http429s: before + (rateLimited ? 1 : 0) });
  }
}

/** A 404 or 409 is taken for the API settling until this long after the call was first scheduled. */
export function settlingWindow(): { settlingUntilMs: number } {
  return { settlingUntilMs: activityInfo().scheduledTimestampMs + SETTLING_WINDOW_MS };
}

/**
 * The marker in the title of the conversation this activity creates (activities/reconcile.ts): from the workflow
 * run, and from the conversation's key in a workflow that asks several.
 */
export function markerOf(markerKey: string | undefined): string {
  const info = activityInfo();
  const run = info.workflowExecution;
  const owner = run?.workflowId ?? info.activityId;
  return conversationMarker(markerKey === undefined ? owner : `${owner}/${markerKey}`, run?.runId ?? '');
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
  const citationBytes = Buffer.byteLength(JSON.stringify([answer.citations, answer.actions]));
  if (citationBytes > MAX_CITATIONS_BYTES) {
    throw new ResponseTooLargeError(
      `response ${response.response_id}: citations and actions (${citationBytes} bytes) exceed the size limit of ${formatSize(MAX_CITATIONS_BYTES)}`,
      { limit: MAX_CITATIONS_BYTES, unit: 'bytes', responseId: response.response_id },
    );
  }
  const answerMs = Date.parse(response.completed_at ?? '') - Date.parse(response.created_at);
  // A FAILED response's own error, or NO_OUTPUT for a COMPLETED one without an assistant message (a hand-off).
  const errorCode = answer.errorCode ?? answer.note;
  return {
    status: response.status,
    terminal: true,
    answer: answer.text,
    citations: answer.citations,
    ...(answerMs >= 0 && { answerMs }),
    ...(answer.actions.length > 0 && { actions: answer.actions }),
    ...(errorCode && { errorCode }),
    ...(answer.errorMessage && { errorMessage: answer.errorMessage }),
    attempt,
  };
}

/**
 * How often a heartbeating activity beats while it waits: well within the 10 s heartbeat timeout, and late enough
 * that a quick turn (an answer within 4 s) ends before the first beat, which would otherwise cost one more request
 * to the server (the SDK sends a beat still pending when the activity completes).
 */
export const HEARTBEAT_EVERY_MS = 4_000;

/**
 * Heartbeat every few seconds with the current checkpoint, until the returned function is called. The first beat
 * comes after HEARTBEAT_EVERY_MS, well within the heartbeat timeout: the SDK sends an activity's first heartbeat at
 * once and throttles the later ones, so that first, immediate one is left for the moment the checkpoint gets its
 * response id (the caller heartbeats then). A quick turn thus costs one heartbeat, and it carries the id.
 */
export function keepHeartbeating(checkpoint: () => Record<string, unknown>): () => void {
  const timer = setInterval(() => beat(checkpoint()), HEARTBEAT_EVERY_MS);
  return () => clearInterval(timer);
}
