/** Reading an activity's failure back into a per-turn result. Workflow code: deterministic, no I/O. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import type { ApiFailureDetails } from '../common/activity-types';

export interface TurnFailure {
  timedOut: boolean;
  code: string;
  message: string;
  rootUuid?: string;
  attempts: number;
  /** Of the attempts, the ones answered 429. */
  http429s: number;
  /** openConversation: the conversation it had created when it gave up. */
  conversationId?: string;
}

/** Walk the cause chain: a schedule-to-close timeout wraps the last ApplicationFailure the activity threw. */
function findApplicationFailure(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) return e;
  }
  return undefined;
}

/** Describe why an activity gave up. Cancellation and anything that is not an activity failure is rethrown. */
export function describeActivityFailure(err: unknown): TurnFailure {
  if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
  const app = findApplicationFailure(err.cause);
  const details = app?.details?.[0] as ApiFailureDetails | undefined;
  const timedOut = err.cause instanceof TimeoutFailure;
  const lastBeat = timedOut ? ((err.cause as TimeoutFailure).lastHeartbeatDetails as ApiFailureDetails) : undefined;
  const conversationId = details?.conversationId ?? lastBeat?.conversationId;
  return {
    timedOut,
    code: details?.code ?? app?.type ?? (timedOut ? 'ACTIVITY_TIMEOUT' : 'ACTIVITY_FAILED'),
    message: app?.message ?? err.cause?.message ?? err.message,
    rootUuid: details?.rootUuid,
    attempts: details?.attempt ?? 1,
    http429s: details?.http429s ?? 0,
    ...(conversationId && { conversationId }),
  };
}
