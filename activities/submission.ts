/**
 * Posting one turn and following it, as every submitting activity does it (submitTurn, streamTurn and
 * openConversation): look first when an earlier attempt may already have posted it, post, record the response id
 * in the heartbeat the moment it is known, then poll it inline (poll mode) or read its stream (stream mode). A retry
 * that finds the response id in the heartbeat continues with that response and never posts again.
 */
import { log } from '@temporalio/activity';
import { StreamError, type MoveworksClient, type ResponseStream, type UserInput } from '../moveworks';
import type { OpeningCheckpoint, SubmitTurnInput, SubmitTurnOutput } from '../common/activity-types';
import type { PollSchedule } from '../common/types';
import { pollInline } from './inline-poll';
import { findSubmittedTurn, type RejectedAttempts } from './reconcile';
import { beat, posting, terminalOutput } from './support';
import { workerMetrics } from '../observability/metrics';

/**
 * What a submitting activity heartbeats (the POST counts: every attempt's so far, the requests the turn reports);
 * `conversationId` and the POST counts only by the opening activities.
 */
export interface SubmissionCheckpoint extends OpeningCheckpoint {
  [key: string]: unknown;
}

/** One attempt of a submitting activity. */
export interface SubmissionAttempt {
  moveworks: MoveworksClient;
  rejected: RejectedAttempts;
  /** activityKey(): the same for every attempt of the activity. */
  key: string;
  attempt: number;
  signal: AbortSignal;
  /** When this activity was first scheduled: a message older than that is not this turn's. */
  scheduledMs: number;
  /** Whether an earlier attempt may have posted the turn, so the conversation's messages are read before posting. */
  mayHavePosted: boolean;
  /** The checkpoint so far; the response id is added to it and heartbeated as soon as it is known. */
  checkpoint: SubmissionCheckpoint;
  /** Heartbeats the checkpoint; default: the activity's own (`beat`). openConversations beats all of its own. */
  record?: () => void;
}

/** The response an earlier attempt posted, when `mayHavePosted` and the API lists it. */
async function earlierResponse(run: SubmissionAttempt, input: SubmitTurnInput): Promise<string | undefined> {
  if (!run.mayHavePosted) return undefined;
  const found = await findSubmittedTurn(
    run.moveworks,
    {
      conversationId: input.conversationId,
      question: input.question,
      callbackId: input.callbackId,
      earlierResponseIds: input.earlierResponseIds ?? [],
      notBeforeMs: run.scheduledMs,
      turnIndex: input.earlierResponseIds ? undefined : input.turnIndex,
    },
    run.signal,
  );
  if (found) {
    log.info('reusing the response an earlier attempt created', { responseId: found });
    workerMetrics.reconciliation('response');
  }
  return found;
}

/** What the turn sends: the question, or the callback ID of the button it presses. */
function userInput(input: SubmitTurnInput): UserInput {
  return input.callbackId !== undefined ? { callbackId: input.callbackId } : { text: input.question };
}

function countPost(run: SubmissionAttempt): void {
  run.checkpoint.responsePosts = (run.checkpoint.responsePosts ?? 0) + 1;
}

function recordResponseId(run: SubmissionAttempt, responseId: string): void {
  run.checkpoint.responseId = responseId;
  if (run.record) run.record();
  else beat({ ...run.checkpoint });
}

/** Poll mode: post the turn, then poll it inline while `inlinePoll` allows (unset: return after the post). */
export async function postAndPoll(
  run: SubmissionAttempt,
  input: SubmitTurnInput,
  inlinePoll: PollSchedule | undefined,
): Promise<SubmitTurnOutput> {
  const { moveworks, rejected, key, attempt, signal } = run;
  const existing = await earlierResponse(run, input);
  if (existing) return { responseId: existing, status: 'CREATED', attempt, reconciled: true };
  countPost(run);
  const response = await posting(rejected, key, () =>
    moveworks.createResponse(input.conversationId, userInput(input), { signal }),
  );
  const responseId = response.response_id;
  const submitted = { responseId, status: response.status, attempt, reconciled: false };
  if (!inlinePoll) return submitted;
  recordResponseId(run, responseId);
  const ids = { conversationId: input.conversationId, responseId };
  const { polls, answered, retryAfterMs, lastStatus } = await pollInline(moveworks, ids, inlinePoll, signal, attempt);
  const status = answered?.status ?? lastStatus ?? response.status;
  return { ...submitted, ...answered, status, inlinePolls: polls, retryAfterMs };
}

/**
 * Stream mode: post the turn through the SSE endpoint and read the stream to its end. Once the stream named the
 * response, a broken stream is not retried: the workflow polls that response (`streamProblem` says why).
 */
export async function postAndStream(run: SubmissionAttempt, input: SubmitTurnInput): Promise<SubmitTurnOutput> {
  const { moveworks, rejected, key, attempt, signal } = run;
  const existing = await earlierResponse(run, input);
  if (existing) return { responseId: existing, terminal: false, attempt, streamProblem: 'RECONCILED' };
  let stream: ResponseStream | undefined;
  try {
    countPost(run);
    stream = await posting(rejected, key, () =>
      moveworks.createResponseStream(input.conversationId, userInput(input), { signal }),
    );
    for await (const event of stream) {
      if (stream.responseId && run.checkpoint.responseId !== stream.responseId) {
        recordResponseId(run, stream.responseId);
      }
      if (event.event === 'RESPONSE_COMPLETED' || event.event === 'RESPONSE_FAILED') {
        return { ...terminalOutput(event.data.response, attempt), responseId: event.data.response.response_id };
      }
      if (event.event === 'ERROR') break;
    }
    const response = await stream.finalResponse();
    return { ...terminalOutput(response, attempt), responseId: response.response_id };
  } catch (err) {
    // Once the stream named the response, poll it: a stream cut short, or a 200 that answered with the response as
    // JSON instead of a stream (a buffering proxy). Before that, nothing is known: the StreamError is retried, and
    // the retry looks the turn up before it posts again (activities/failures.ts).
    if (!(err instanceof StreamError)) throw err;
    const named = stream?.responseId ?? err.responseId;
    if (!named) throw err;
    if (run.checkpoint.responseId !== named) recordResponseId(run, named);
    const problem = err.code ?? 'STREAM_CUT';
    log.warn('the stream did not deliver the answer; polling the response instead', {
      responseId: named,
      code: problem,
    });
    workerMetrics.streamFallback(problem);
    return { responseId: named, terminal: false, attempt, streamProblem: problem };
  }
}

/** A retry whose earlier attempt recorded the response id: continue with that response, never post again. */
export function resumedSubmission(responseId: string, attempt: number, mode: 'poll' | 'stream'): SubmitTurnOutput {
  return mode === 'stream'
    ? { responseId, terminal: false, attempt, streamProblem: 'RESUMED' }
    : { responseId, status: 'CREATED', attempt, reconciled: true };
}
