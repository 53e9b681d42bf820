/**
 * The conversation workflow: create one Moveworks conversation, then ask each turn in order, polling GetResponse
 * until the answer is COMPLETED or FAILED, or the turn's deadline passes (TIMED_OUT). The first few seconds of
 * polls run inside the submitting activity; the rest on durable timers.
 */
import { defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SubmitTurnInput } from '../common/activity-types';
import { apiTaskQueue } from '../common/names';
import {
  DEFAULT_INLINE_POLL_MS,
  DEFAULT_POLL_SCHEDULE,
  pollDelay,
  DEFAULT_TURN_DEADLINE_MS,
  type ConversationInput,
  type ConversationProgress,
  type ConversationResult,
  type PollSchedule,
  type TurnInput,
  type TurnMode,
  type TurnResult,
} from '../common/types';
import { describeActivityFailure, type TurnFailure } from './failures';

// --- Activity options ---

/** Error types (class names from moveworks/errors.ts) that no retry can fix. */
const NON_RETRYABLE = [
  'BadRequestError',
  'AuthenticationError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
  'UnprocessableError',
];

/** Every HTTP activity runs on the API task queue with the same retry policy; only its timeouts differ. */
function httpActivities(
  timeouts: Pick<ActivityOptions, 'startToCloseTimeout' | 'scheduleToCloseTimeout' | 'heartbeatTimeout'>,
) {
  return proxyActivities<Activities>({
    taskQueue: apiTaskQueue(workflowInfo().taskQueue),
    ...timeouts,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** Longer than the client's own per-request timeout (30 s by default), so the client reports the timeout. */
const REQUEST_TIMEOUT_MS = 45_000;

function apiActivities(scheduleToCloseMs: number) {
  return httpActivities({ startToCloseTimeout: REQUEST_TIMEOUT_MS, scheduleToCloseTimeout: scheduleToCloseMs });
}

/** One activity holds the SSE stream for the whole turn; its heartbeats carry the response id. */
function streamActivities(deadlineMs: number) {
  return httpActivities({
    startToCloseTimeout: deadlineMs + 15_000,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: SUBMIT_WINDOW_MS,
  });
}

/**
 * Poll mode's submission when it polls inline (activities/inline-poll.ts): heartbeats carry the response id, so a
 * worker's death is noticed within seconds and the retry continues with that response instead of asking again.
 */
function inlinePollingActivities(inlineMs: number) {
  return httpActivities({
    startToCloseTimeout: REQUEST_TIMEOUT_MS + inlineMs,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: SUBMIT_WINDOW_MS,
  });
}

/** Creating and submitting may retry through a long 429 storm; polls are bounded by the turn's deadline. */
const SUBMIT_WINDOW_MS = 10 * 60_000;
const MIN_POLL_WINDOW_MS = 10_000;

// --- Queries ---

export const progressQuery = defineQuery<ConversationProgress>('progress');

// --- Helpers ---

function failedTurn(turn: TurnInput, failure: TurnFailure, extra: Partial<TurnResult>): TurnResult {
  return {
    rowId: turn.rowId,
    status: failure.timedOut ? 'TIMED_OUT' : 'ERROR',
    answer: '',
    citations: [],
    latencyMs: 0,
    attempts: failure.attempts,
    errorCode: failure.code,
    errorMessage: failure.message,
    rootUuid: failure.rootUuid,
    ...extra,
  };
}

/** A turn whose response reached COMPLETED or FAILED, seen by a poll or at the end of a stream. */
function answeredTurn(
  turn: TurnInput,
  seen: { status?: string; answer?: string; citations?: TurnResult['citations']; outputs?: unknown[] },
  ids: { conversationId: string; responseId: string },
  latencyMs: number,
  attempts: number,
): TurnResult {
  return {
    rowId: turn.rowId,
    status: seen.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
    answer: seen.answer ?? '',
    citations: seen.citations ?? [],
    ...ids,
    latencyMs,
    attempts,
    outputs: seen.outputs,
  };
}

/** Submit a turn as its mode asks; the answer may already be in the result (a stream, or an inline poll). */
function submit(submission: SubmitTurnInput, mode: TurnMode, poll: PollSchedule, deadlineMs: number) {
  if (mode === 'stream') return streamActivities(deadlineMs).streamTurn(submission);
  const inlineMs = Math.min(poll.inlineMs ?? DEFAULT_INLINE_POLL_MS, deadlineMs);
  if (inlineMs <= 0) return apiActivities(SUBMIT_WINDOW_MS).submitTurn(submission);
  return inlinePollingActivities(inlineMs).submitTurn({ ...submission, poll: { ...poll, inlineMs } });
}

async function askTurn(
  conversationId: string,
  turnIndex: number,
  turn: TurnInput,
  deadlineMs: number,
  poll: PollSchedule,
  mode: TurnMode,
  progress: ConversationProgress,
): Promise<TurnResult> {
  const startedAt = Date.now();
  const deadline = startedAt + deadlineMs;
  let attempts = 0;
  let responseId: string | undefined;
  const latency = () => Date.now() - startedAt;
  try {
    const submission = { conversationId, question: turn.question, turnIndex };
    const submitted = await submit(submission, mode, poll, deadlineMs);
    const pollsDone = ('inlinePolls' in submitted && submitted.inlinePolls) || 0;
    // An inline poll answered 429: wait as told, and let the next poll's backoff continue from that 429.
    let notBefore = ('retryAfterMs' in submitted && submitted.retryAfterMs) || 0;
    attempts += submitted.attempt + pollsDone;
    responseId = submitted.responseId;
    progress.currentResponseId = responseId;
    if (submitted.terminal) {
      return answeredTurn(turn, submitted, { conversationId, responseId }, latency(), attempts);
    }
    for (let polls = pollsDone; ; polls++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await sleep(Math.min(Math.max(pollDelay(poll, polls), notBefore), remaining));
      const earlier429s = notBefore > 0 ? 1 : undefined;
      notBefore = 0;
      const window = Math.max(MIN_POLL_WINDOW_MS, deadline - Date.now());
      const polled = await apiActivities(window).fetchResponse({ conversationId, responseId, earlier429s });
      attempts += polled.attempt;
      if (polled.terminal) return answeredTurn(turn, polled, { conversationId, responseId }, latency(), attempts);
    }
    return {
      rowId: turn.rowId,
      status: 'TIMED_OUT',
      answer: '',
      citations: [],
      conversationId,
      responseId,
      latencyMs: latency(),
      attempts,
      errorCode: 'DEADLINE_EXCEEDED',
      errorMessage: `no terminal status within ${Math.round(deadlineMs / 1000)} s`,
    };
  } catch (err) {
    const failure = describeActivityFailure(err);
    return failedTurn(turn, failure, {
      conversationId,
      responseId,
      latencyMs: latency(),
      attempts: attempts + failure.attempts,
    });
  }
}

// --- Workflow ---

/**
 * Ask every turn of one conversation, in order, each after the previous one has ended. Returns one result per
 * turn; an API refusal or a timeout is a result, not a workflow failure.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<ConversationResult> {
  const deadlineMs = input.deadlineMs ?? DEFAULT_TURN_DEADLINE_MS;
  const poll = input.poll ?? DEFAULT_POLL_SCHEDULE;
  const progress: ConversationProgress = { turnsDone: 0, turnsTotal: input.turns.length };
  setHandler(progressQuery, () => progress);
  const result: ConversationResult = { batchId: input.batchId, conversationKey: input.conversationKey, turns: [] };

  let conversationId: string;
  let creationAttempts: number;
  try {
    const created = await apiActivities(SUBMIT_WINDOW_MS).createConversation({
      title: input.title,
      firstQuestion: input.turns[0]?.question ?? '',
    });
    conversationId = created.conversationId;
    creationAttempts = created.attempt;
  } catch (err) {
    const failure = describeActivityFailure(err);
    result.turns = input.turns.map((turn) => failedTurn(turn, failure, {}));
    return result;
  }
  result.conversationId = progress.conversationId = conversationId;

  for (const [index, turn] of input.turns.entries()) {
    const turnResult = await askTurn(conversationId, index, turn, deadlineMs, poll, input.mode ?? 'poll', progress);
    if (index === 0) turnResult.attempts += creationAttempts;
    result.turns.push(turnResult);
    progress.turnsDone += 1;
    progress.currentResponseId = undefined;
  }
  return result;
}
