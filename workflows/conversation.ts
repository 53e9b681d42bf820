/**
 * The conversation workflow: create one Moveworks conversation, then ask each turn in order, polling GetResponse
 * until the answer is COMPLETED or FAILED, or the turn's deadline passes (TIMED_OUT). The first few seconds of
 * polls run inside the submitting activity; the rest on durable timers. Its result stays within Temporal's payload
 * limit and its history bounded, whatever the number and size of the answers (see `keepResult` and
 * `continueIfLong`). How one conversation is asked (`askConversation`) is shared with the question group workflow
 * (workflows/question-group.ts), which asks several single-turn conversations at once.
 *
 * Running workflows replay this code after every deploy: a change to the commands it issues goes behind
 * `patched()` (test/replay/README.md).
 */
import {
  ActivityCancellationType,
  defineQuery,
  isCancellation,
  metricMeter,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  FetchResponseOutput,
  OpenConversationInput,
  OpenConversationOutput,
  OpeningCheckpoint,
  SubmitTurnInput,
  SubmitTurnOutput,
} from '../common/activity-types';
import { apiTaskQueue, CANCELLED_MEMO, PROGRESS_QUERY } from '../common/names';
import {
  DEFAULT_INLINE_POLL_MS,
  DEFAULT_POLL_SCHEDULE,
  pollDelay,
  DEFAULT_TURN_DEADLINE_MS,
  type ConversationInput,
  type ConversationProgress,
  type ConversationResult,
  type TurnInput,
  type TurnMode,
  type TurnResult,
  type TurnSettings,
} from '../common/types';
import { NO_SUCH_ACTION, resolveCallback } from '../common/callback-input';
import { describeActivityFailure, type TurnFailure } from './failures';
import { createMetrics, type QuestionOutcome } from '../observability/metrics';
import { looksTerminal, UNKNOWN_STATUS } from '../moveworks/statuses';
import { turnResultWorkflow, utf8Length } from './turn-result';

// --- Activity options ---

/** The retry policy of every HTTP activity (exported for bench/prototype/, which asks the same way). */
export const HTTP_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/**
 * Every HTTP activity of a conversation runs on the same task queue (`httpTaskQueue`) with the same retry policy;
 * only its timeouts differ. Whether a failure is worth retrying is decided where it is understood, by the activity
 * (activities/failures.ts).
 */
function httpActivities(
  taskQueue: string,
  timeouts: Pick<
    ActivityOptions,
    'startToCloseTimeout' | 'scheduleToCloseTimeout' | 'heartbeatTimeout' | 'cancellationType'
  >,
) {
  return proxyActivities<Activities>({ taskQueue, ...timeouts, retry: HTTP_RETRY });
}

/** Longer than the client's own per-request timeout (30 s by default), so the client reports the timeout. */
const REQUEST_TIMEOUT_MS = 45_000;

function apiActivities(taskQueue: string, scheduleToCloseMs: number) {
  return httpActivities(taskQueue, {
    startToCloseTimeout: REQUEST_TIMEOUT_MS,
    scheduleToCloseTimeout: scheduleToCloseMs,
  });
}

/** One activity holds the SSE stream for the whole turn; its heartbeats carry the response id. */
function streamActivities(taskQueue: string, deadlineMs: number) {
  return httpActivities(taskQueue, {
    startToCloseTimeout: deadlineMs + 15_000,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: SUBMIT_WINDOW_MS,
  });
}

/**
 * Poll mode's submission when it polls inline (activities/inline-poll.ts): heartbeats carry the response id, so a
 * worker's death is noticed within seconds and the retry continues with that response instead of asking again.
 */
function inlinePollingActivities(taskQueue: string, inlineMs: number) {
  return httpActivities(taskQueue, {
    startToCloseTimeout: REQUEST_TIMEOUT_MS + inlineMs,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: SUBMIT_WINDOW_MS,
  });
}

/**
 * Creating the conversation and following its first turn in one activity: the poll-mode budget is its inline
 * window, the stream's the turn's deadline. (Exported for bench/prototype/, which asks the same way.)
 */
export function openingActivities(taskQueue: string, settings: TurnSettings, inlineMs: number) {
  return httpActivities(taskQueue, {
    startToCloseTimeout: openingStartToCloseMs(settings, inlineMs),
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: SUBMIT_WINDOW_MS,
  });
}

/**
 * A group's conversations opened by one activity (activities/open-conversations.ts), `atOnce` at a time: an attempt
 * may take one conversation's time per round of `atOnce`, and each conversation stops at its own time less the
 * margin (then handed back). A worker that dies is noticed by the heartbeat, not by these timeouts.
 */
function groupOpeningActivities(taskQueue: string, perConversationMs: number, rounds: number) {
  const startToCloseMs = rounds * perConversationMs + 15_000;
  return httpActivities(taskQueue, {
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: '10s',
    scheduleToCloseTimeout: startToCloseMs + SUBMIT_WINDOW_MS,
    // A cancelled group waits for the activity, which returns the answers it has; without this the workflow would
    // see the cancellation at once and the answers the activity already holds would be lost.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

/** How long one attempt of the opening may take: its two POSTs, then the stream or the inline polls. */
export function openingStartToCloseMs(settings: Pick<TurnSettings, 'mode' | 'deadlineMs'>, inlineMs: number): number {
  const followMs = settings.mode === 'stream' ? settings.deadlineMs + 15_000 : inlineMs;
  return 2 * REQUEST_TIMEOUT_MS + followMs;
}

/** Creating and submitting may retry through a long 429 storm; polls are bounded by the turn's deadline. */
const SUBMIT_WINDOW_MS = 10 * 60_000;
const MIN_POLL_WINDOW_MS = 10_000;

/**
 * Turn results kept in the workflow's own result, in UTF-8 bytes of JSON. Temporal refuses a payload over 2 MB
 * (and a workflow whose result is refused stays RUNNING, retrying its last task): this budget plus the largest
 * input the CLI accepts (1.5 MiB) stays under it, including when the results are carried across continue-as-new.
 */
const RESULT_BUDGET_BYTES = 256 * 1024;
/** Continue-as-new between turns once the history passes this (Temporal's hard limit is 50 MB). */
const HISTORY_BUDGET_BYTES = 8 * 1024 * 1024;

/** Patch ids: each guards a change to the commands this workflow issues (test/replay/README.md). */
const CANCEL_KEEPS_ANSWERS = 'cancel-keeps-answers';
const OPEN_WITH_FIRST_TURN = 'open-with-first-turn';

// --- Queries ---

export const progressQuery = defineQuery<ConversationProgress>(PROGRESS_QUERY);

// --- Helpers ---

function failedTurn(turn: TurnInput, failure: TurnFailure, extra: Partial<TurnResult>): TurnResult {
  return {
    rowId: turn.rowId,
    status: failure.timedOut ? 'TIMED_OUT' : 'ERROR',
    answer: '',
    citations: [],
    latencyMs: 0,
    attempts: failure.attempts,
    ...(failure.http429s > 0 && { http429s: failure.http429s }),
    errorCode: failure.code,
    errorMessage: failure.message,
    rootUuid: failure.rootUuid,
    ...extra,
  };
}

/** A turn whose response reached COMPLETED or FAILED, seen by a poll or at the end of a stream. */
function answeredTurn(
  turn: TurnInput,
  seen: Partial<
    Pick<FetchResponseOutput, 'status' | 'answer' | 'citations' | 'answerMs' | 'actions' | 'errorCode' | 'errorMessage'>
  >,
  ids: { conversationId: string; responseId: string },
  latencyMs: number,
  calls: HttpCalls,
): TurnResult {
  return {
    rowId: turn.rowId,
    status: seen.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
    answer: seen.answer ?? '',
    citations: seen.citations ?? [],
    ...ids,
    latencyMs,
    ...(seen.answerMs !== undefined && { answerMs: seen.answerMs }),
    ...(seen.actions && { actions: seen.actions }),
    ...callCounts(calls),
    ...(seen.errorCode && { errorCode: seen.errorCode }),
    ...(seen.errorMessage && { errorMessage: seen.errorMessage }),
  };
}

/** The HTTP calls a turn made: attempts, and those answered 429. */
interface HttpCalls {
  attempts: number;
  http429s: number;
}

/** Adds the calls a submission made (its POST's attempts and its inline polls, with their 429s) to `calls`. */
function addSubmissionCalls(calls: HttpCalls, submitted: SubmitTurnOutput): void {
  calls.attempts += submitted.attempt + (submitted.inlinePolls ?? 0);
  calls.http429s += (submitted.http429s ?? 0) + (submitted.retryAfterMs === undefined ? 0 : 1);
}

/** As a TurnResult has them: http429s only when there were some (older results never had it). */
function callCounts({ attempts, http429s }: HttpCalls): Pick<TurnResult, 'attempts' | 'http429s'> {
  return http429s > 0 ? { attempts, http429s } : { attempts };
}

/**
 * How long polls may run inside a submitting activity. 0 when the batch runs under a rate limit on the API task
 * queue: that limit counts activities, so every request is then an activity of its own.
 */
function inlineWindow({ poll, deadlineMs }: Pick<TurnSettings, 'poll' | 'deadlineMs'>): number {
  return Math.min(poll.inlineMs ?? DEFAULT_INLINE_POLL_MS, deadlineMs);
}

/**
 * Where a conversation's HTTP activities run. Under a rate limit (inline polls off), on the API task queue, whose
 * limit counts them. Otherwise, for an input that says so (STARTER_FLAGS), on the workflow's own task queue: the
 * worker completing a workflow task is then handed the activity it scheduled in the server's reply (eager activity
 * dispatch) and starts it at once, without a trip through the queue. Older inputs keep the API task queue.
 */
export function httpTaskQueue(input: Pick<ConversationInput, 'httpOnWorkflowQueue'>, settings: TurnSettings): string {
  const own = workflowInfo().taskQueue;
  return input.httpOnWorkflowQueue === true && inlineWindow(settings) > 0 ? own : apiTaskQueue(own);
}

/** Submit a turn as its mode asks; the answer may already be in the result (a stream, or an inline poll). */
function submit(
  taskQueue: string,
  submission: SubmitTurnInput,
  { mode, poll, deadlineMs }: TurnSettings,
): Promise<SubmitTurnOutput> {
  if (mode === 'stream') return streamActivities(taskQueue, deadlineMs).streamTurn(submission);
  const inlineMs = inlineWindow({ poll, deadlineMs });
  if (inlineMs <= 0) return apiActivities(taskQueue, SUBMIT_WINDOW_MS).submitTurn(submission);
  return inlinePollingActivities(taskQueue, inlineMs).submitTurn({ ...submission, poll: { ...poll, inlineMs } });
}

/** The opening activity's input: the conversation, and its first turn to submit (and follow) with it. */
function openingInput(
  conversation: Pick<ConversationInput, 'title' | 'turns'>,
  settings: TurnSettings,
  inlineMs: number,
  markerKey: string | undefined,
): OpenConversationInput {
  const first = conversation.turns[0]!;
  const poll = settings.mode === 'poll' ? { ...settings.poll, inlineMs } : undefined;
  return {
    title: conversation.title,
    firstQuestion: first.question,
    firstTurn: { question: first.question, rowId: first.rowId, mode: settings.mode, poll },
    ...(markerKey !== undefined && { markerKey }),
  };
}

/** How a conversation's opening activity is run, when its workflow opens it another way than on its own. */
export interface Opening {
  /**
   * When the conversation was first asked: the first turn's deadline and latency count from here; when unset, from
   * when the workflow opens it.
   */
  startedAt?: number;
  /** When what `open` returns was in hand, if earlier than the workflow learns it: the answer's latency ends there. */
  answeredAt?: number;
  /** What the group's activity got, when it opened the conversation itself (what `open` returns). */
  opened?: OpenConversationOutput;
  open(input: OpenConversationInput): Promise<OpenConversationOutput>;
}

/**
 * Open a group's single-turn conversations with one `openConversations` activity, `atOnce` at a time
 * (bench/COMPARE.md, sessions 17 and 18). Returns each conversation's opening: what the activity got, or, for one it
 * handed back (or when the activity itself failed), `openConversation` given what was done so far, which looks
 * before it posts again.
 */
export async function openTogether(
  conversations: { conversationKey: string; title?: string; turns: TurnInput[] }[],
  taskQueue: string,
  settings: TurnSettings,
  { atOnce, resultBudgetBytes }: { atOnce: number; resultBudgetBytes: number },
): Promise<Opening[]> {
  const inlineMs = inlineWindow(settings);
  const perConversationMs = openingStartToCloseMs(settings, inlineMs);
  const scheduledAt = Date.now();
  const inputs = conversations.map((c) => ({
    ...openingInput(c, settings, inlineMs, c.conversationKey),
    markerKey: c.conversationKey,
  }));
  // A conversation handed back counts its deadline from its first POST; one never asked, from when it is.
  const single = (handedBack: OpeningCheckpoint): Opening => ({
    startedAt: handedBack.startedAtMs,
    open: (input) => openingActivities(taskQueue, settings, inlineMs).openConversation({ ...input, handedBack }),
  });
  const rounds = Math.ceil(inputs.length / atOnce);
  try {
    const { conversations: opened } = await groupOpeningActivities(
      taskQueue,
      perConversationMs,
      rounds,
    ).openConversations({
      conversations: inputs,
      atOnce,
      resultBudgetBytes,
      perConversationMs: perConversationMs - 5_000,
    });
    return opened.map((entry) =>
      'opened' in entry
        ? {
            startedAt: entry.startedAtMs,
            answeredAt: entry.answeredAtMs,
            opened: entry.opened,
            open: () => Promise.resolve(entry.opened),
          }
        : single(entry.handedBack),
    );
  } catch (err) {
    // Cancelled: every conversation is, from here (askConversation rethrows it). Failed for good (say, no worker
    // had the activity for ten minutes): each conversation is asked on its own, looking first for what was made.
    if (isCancellation(err)) return inputs.map(() => ({ open: () => Promise.reject(err) }));
    return inputs.map(() => single({ sinceMs: scheduledAt }));
  }
}

/** A first turn the opening activity already submitted, when the workflow asked for it, and when it was in hand. */
interface OpenedTurn {
  submitted: SubmitTurnOutput;
  startedAt: number;
  answeredAt?: number;
}

async function askTurn(
  taskQueue: string,
  conversationId: string,
  earlierResponseIds: string[],
  turn: TurnInput,
  settings: TurnSettings,
  progress: ConversationProgress,
  opened?: OpenedTurn,
  previous?: TurnResult,
): Promise<TurnResult> {
  const { deadlineMs, poll } = settings;
  const pressed = turn.callbackId === undefined ? undefined : resolveCallback(turn.callbackId, previous?.actions);
  if (pressed && 'missing' in pressed) {
    // A `label:` the previous answer did not offer: the turn ends without a request.
    const failure = { timedOut: false, code: NO_SUCH_ACTION, message: pressed.missing, attempts: 0, http429s: 0 };
    return failedTurn(turn, failure, { conversationId, latencyMs: 0 });
  }
  const startedAt = opened?.startedAt ?? Date.now();
  const deadline = startedAt + deadlineMs;
  const calls: HttpCalls = { attempts: 0, http429s: 0 };
  let responseId: string | undefined;
  const latency = () => Date.now() - startedAt;
  try {
    const submission: SubmitTurnInput = {
      conversationId,
      question: turn.question,
      rowId: turn.rowId,
      ...(pressed && { callbackId: pressed.callbackId }),
      earlierResponseIds: [...earlierResponseIds],
    };
    const submitted = opened?.submitted ?? (await submit(taskQueue, submission, settings));
    const pollsDone = submitted.inlinePolls ?? 0;
    // An inline poll answered 429: wait as told, and let the next poll's backoff continue from that 429.
    let notBefore = submitted.retryAfterMs ?? 0;
    addSubmissionCalls(calls, submitted);
    responseId = submitted.responseId;
    progress.currentResponseId = responseId;
    let lastStatus = submitted.status;
    if (submitted.terminal) {
      const latencyMs = opened?.answeredAt === undefined ? latency() : opened.answeredAt - startedAt;
      return answeredTurn(turn, submitted, { conversationId, responseId }, latencyMs, calls);
    }
    for (let polls = pollsDone; ; polls++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await sleep(Math.min(Math.max(pollDelay(poll, polls), notBefore), remaining));
      const earlier429s = notBefore > 0 ? 1 : undefined;
      notBefore = 0;
      const window = Math.max(MIN_POLL_WINDOW_MS, deadline - Date.now());
      const polled = await apiActivities(taskQueue, window).fetchResponse({
        conversationId,
        responseId,
        earlier429s,
        rowId: turn.rowId,
      });
      calls.attempts += polled.attempt;
      calls.http429s += polled.http429s ?? 0;
      lastStatus = polled.status;
      if (polled.terminal) return answeredTurn(turn, polled, { conversationId, responseId }, latency(), calls);
    }
    // A status the API does not document that reads like an end state (CANCELLED…) ends the turn at its
    // deadline too, but says so: the answer will not come, and it is not only slow.
    const unknownEnd = lastStatus !== undefined && looksTerminal(lastStatus);
    return {
      rowId: turn.rowId,
      status: 'TIMED_OUT',
      answer: '',
      citations: [],
      conversationId,
      responseId,
      latencyMs: latency(),
      ...callCounts(calls),
      errorCode: unknownEnd ? UNKNOWN_STATUS : 'DEADLINE_EXCEEDED',
      errorMessage: unknownEnd
        ? `the response stayed in status ${lastStatus}, which the API does not document, until the ${Math.round(deadlineMs / 1000)} s deadline`
        : `no terminal status within ${Math.round(deadlineMs / 1000)} s`,
    };
  } catch (err) {
    const failure = describeActivityFailure(err);
    return failedTurn(turn, failure, {
      conversationId,
      responseId,
      latencyMs: latency(),
      ...callCounts({ attempts: calls.attempts + failure.attempts, http429s: calls.http429s + failure.http429s }),
    });
  }
}

// --- Keeping the result bounded ---

/** How much of its budget a workflow's result holds (see `keepResult`); shared by the conversations of a group. */
export interface ResultBudget {
  /** UTF-8 bytes of the turn results kept so far. */
  bytes: number;
  /** The most the workflow's result may hold. */
  limit: number;
}

/** Whether the turn result fits what is left of the budget, whole; if so, it is counted there. */
function keptWhole(turnResult: TurnResult, kept: ResultBudget): boolean {
  const bytes = utf8Length(JSON.stringify(turnResult));
  if (kept.bytes + bytes > kept.limit) return false;
  kept.bytes += bytes;
  return true;
}

/**
 * The turn result as the workflow's own result keeps it. While the results fit the budget, whole. A result that
 * does not fit is handed to a child workflow `<storedUnder>/turn-<n>` whose input it is (so it is stored once,
 * retained as long as this workflow, and read back by the client), and only its summary stays here.
 */
async function keepResult(
  turnResult: TurnResult,
  turnNumber: number,
  kept: ResultBudget,
  storedUnder: string,
): Promise<TurnResult> {
  if (keptWhole(turnResult, kept)) return turnResult;
  const storedIn = `${storedUnder}/turn-${turnNumber}`;
  await startChild(turnResultWorkflow, {
    workflowId: storedIn,
    args: [turnResult],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  const summary: TurnResult = { ...turnResult, answer: '', citations: [], storedIn };
  kept.bytes += utf8Length(JSON.stringify(summary));
  return summary;
}

/** Between turns: a history grown past its budget continues as a new run that carries what is done. */
async function continueIfLong(input: ConversationInput, result: ConversationResult, keptBytes: number) {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historySize < HISTORY_BUDGET_BYTES) return;
  const next = makeContinueAsNewFunc<typeof conversationWorkflow>({
    memo: info.memo,
    typedSearchAttributes: info.typedSearchAttributes,
  });
  await next({ ...input, continued: { conversationId: result.conversationId!, turns: result.turns, keptBytes } });
}

// --- Asking one conversation ---

/** Counts an ended turn in the worker's metrics (the workflow meter records nothing while replaying). */
function countTurn(metrics: ReturnType<typeof createMetrics>, turn: TurnResult, mode: TurnMode): void {
  metrics.question(turn.status.toLowerCase() as QuestionOutcome);
  if (turn.status === 'COMPLETED' || turn.status === 'FAILED') metrics.answerLatency(turn.latencyMs, mode);
}

/** What asking one conversation needs from the workflow it runs in. */
export interface ConversationScope {
  taskQueue: string;
  settings: TurnSettings;
  kept: ResultBudget;
  /** A turn result that does not fit `kept` is stored in child workflow `<storedUnder>/turn-<n>`. */
  storedUnder: string;
  /** Records turns that ended (metrics). */
  ended: (turns: TurnResult[]) => void;
  /** Whether the first turn may be sent by the activity that creates the conversation (when the mode allows). */
  opensWithFirstTurn: () => boolean;
  /** Set when the workflow opened the conversation already (openTogether): used instead of `openConversation`. */
  opening?: Opening;
  /**
   * Set when the workflow asks several conversations: each conversation's marker (activities/reconcile.ts) is then
   * derived from this key as well as from the workflow run, so that a retry finds its own conversation.
   */
  markerKey?: string;
  /** Called before every turn after the first: the conversation workflow continues as new there when long. */
  beforeLaterTurn?: (result: ConversationResult) => Promise<void>;
}

/**
 * Ask the turns of `conversation` not yet in `result`, in order, each after the previous one has ended, adding
 * each turn's result to `result` as it ends. An API refusal or a timeout is a result; a cancellation is thrown
 * (the caller turns the remaining turns into CANCELLED ones with `cancelledTurns`).
 */
export async function askConversation(
  conversation: Pick<ConversationInput, 'title' | 'turns'>,
  result: ConversationResult,
  progress: ConversationProgress,
  scope: ConversationScope,
): Promise<void> {
  const { taskQueue, settings, ended } = scope;
  const creation: HttpCalls = { attempts: 0, http429s: 0 };
  let opened: OpenedTurn | undefined;
  const markerKey = scope.markerKey === undefined ? {} : { markerKey: scope.markerKey };
  if (result.conversationId === undefined) {
    const first = conversation.turns[0];
    const inlineMs = inlineWindow(settings);
    // A first turn that presses a button is refused by the API: it is sent on its own, to say so.
    const openWithFirstTurn =
      first !== undefined && first.callbackId === undefined && inlineMs > 0 && scope.opensWithFirstTurn();
    const startedAt = scope.opening?.startedAt ?? Date.now();
    try {
      let created: OpenConversationOutput;
      if (openWithFirstTurn) {
        const open = scope.opening?.open ?? openingActivities(taskQueue, settings, inlineMs).openConversation;
        created = await open(openingInput(conversation, settings, inlineMs, scope.markerKey));
        if (created.submitted)
          opened = { submitted: created.submitted, startedAt, answeredAt: scope.opening?.answeredAt };
      } else {
        created = await apiActivities(taskQueue, SUBMIT_WINDOW_MS).createConversation({
          title: conversation.title,
          firstQuestion: conversation.turns[0]?.question ?? '',
          ...markerKey,
        });
      }
      result.conversationId = progress.conversationId = created.conversationId;
      creation.attempts = created.attempt;
      creation.http429s = created.http429s ?? 0;
    } catch (err) {
      const failure = describeActivityFailure(err);
      if (failure.conversationId === undefined) {
        result.turns = conversation.turns.map((turn) => failedTurn(turn, failure, {}));
        ended(result.turns);
        return;
      }
      // The conversation exists, its first turn failed: the later turns are still asked in it.
      result.conversationId = progress.conversationId = failure.conversationId;
      const latencyMs = Date.now() - startedAt;
      result.turns.push(failedTurn(first!, failure, { conversationId: failure.conversationId, latencyMs }));
      ended(result.turns);
      progress.turnsDone += 1;
    }
  }
  const conversationId = result.conversationId;
  const earlierResponseIds = result.turns.flatMap((turn) => (turn.responseId ? [turn.responseId] : []));

  for (let index = result.turns.length; index < conversation.turns.length; index++) {
    if (index > 0) await scope.beforeLaterTurn?.(result);
    const turn = conversation.turns[index]!;
    const previous = result.turns[index - 1];
    const turnResult = await askTurn(
      taskQueue,
      conversationId,
      earlierResponseIds,
      turn,
      settings,
      progress,
      opened,
      previous,
    );
    opened = undefined;
    if (index === 0) {
      turnResult.attempts += creation.attempts;
      const http429s = (turnResult.http429s ?? 0) + creation.http429s;
      if (http429s > 0) turnResult.http429s = http429s;
    }
    if (turnResult.responseId) earlierResponseIds.push(turnResult.responseId);
    ended([turnResult]);
    result.turns.push(await keepResult(turnResult, index + 1, scope.kept, scope.storedUnder));
    progress.turnsDone += 1;
    progress.currentResponseId = undefined;
  }
}

/**
 * A single-turn conversation its group's activity answered (openTogether), recorded as askConversation would record
 * it, without a promise: the SDK records a stack trace for every promise a workflow makes, which cost ~1 ms of the
 * worker's CPU a conversation on the way (bench/COMPARE.md, session 18). False, with nothing recorded, when the
 * answer is not all there (it is still to be polled for) or does not fit the result budget: askConversation then.
 */
export function recordAnsweredTogether(
  conversation: Pick<ConversationInput, 'turns'>,
  result: ConversationResult,
  progress: ConversationProgress,
  scope: Pick<ConversationScope, 'opening' | 'kept' | 'ended'>,
): boolean {
  const { opening } = scope;
  const created = opening?.opened;
  const turn = conversation.turns[0];
  if (!created?.submitted?.terminal || opening?.startedAt === undefined || opening.answeredAt === undefined) {
    return false;
  }
  if (turn === undefined || conversation.turns.length !== 1) return false;
  const { submitted } = created;
  const calls: HttpCalls = { attempts: created.attempt, http429s: created.http429s ?? 0 };
  addSubmissionCalls(calls, submitted);
  const ids = { conversationId: created.conversationId, responseId: submitted.responseId };
  const turnResult = answeredTurn(turn, submitted, ids, opening.answeredAt - opening.startedAt, calls);
  if (!keptWhole(turnResult, scope.kept)) return false;
  result.conversationId = progress.conversationId = created.conversationId;
  scope.ended([turnResult]);
  result.turns.push(turnResult);
  progress.turnsDone += 1;
  return true;
}

/** The turns a cancellation left unasked, as CANCELLED results (the one in flight keeps its response id). */
export function cancelledTurns(
  turns: readonly TurnInput[],
  result: ConversationResult,
  progress: ConversationProgress,
): TurnResult[] {
  return turns.slice(result.turns.length).map((turn, i) => ({
    rowId: turn.rowId,
    status: 'CANCELLED' as const,
    answer: '',
    citations: [],
    conversationId: result.conversationId,
    responseId: i === 0 ? progress.currentResponseId : undefined,
    latencyMs: 0,
    attempts: 0,
    errorCode: 'CANCELLED',
    errorMessage: 'the conversation was cancelled before this turn ended',
  }));
}

/** The settings a workflow input asks with; its own defaults serve only inputs of older starters. */
export function turnSettingsOf(input: Pick<ConversationInput, 'deadlineMs' | 'poll' | 'mode'>): TurnSettings {
  return {
    deadlineMs: input.deadlineMs ?? DEFAULT_TURN_DEADLINE_MS,
    poll: input.poll ?? DEFAULT_POLL_SCHEDULE,
    mode: input.mode ?? 'poll',
  };
}

/** A metrics recorder of ended turns for one workflow. */
export function turnCounter(mode: TurnMode): (turns: TurnResult[]) => void {
  const metrics = createMetrics(metricMeter);
  return (turns) => turns.forEach((turn) => countTurn(metrics, turn, mode));
}

// --- Workflow ---

/**
 * Ask every turn of one conversation, in order, each after the previous one has ended. Returns one result per
 * turn; an API refusal or a timeout is a result, not a workflow failure. A cancelled conversation still returns
 * the answers of the turns that had ended, the others CANCELLED.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<ConversationResult> {
  const settings = turnSettingsOf(input);
  const { continued } = input;
  const taskQueue = httpTaskQueue(input, settings);
  const result: ConversationResult = {
    batchId: input.batchId,
    conversationKey: input.conversationKey,
    conversationId: continued?.conversationId,
    turns: [...(continued?.turns ?? [])],
  };
  const progress: ConversationProgress = {
    conversationId: result.conversationId,
    turnsDone: result.turns.length,
    turnsTotal: input.turns.length,
  };
  setHandler(progressQuery, () => progress);
  const kept: ResultBudget = { bytes: continued?.keptBytes ?? 0, limit: RESULT_BUDGET_BYTES };
  const ended = turnCounter(settings.mode);

  try {
    await askConversation(input, result, progress, {
      taskQueue,
      settings,
      kept,
      storedUnder: workflowInfo().workflowId,
      ended,
      // An input from a starter of this version says so itself; only older inputs need the patch marker.
      opensWithFirstTurn: () => input.opensWithFirstTurn === true || patched(OPEN_WITH_FIRST_TURN),
      beforeLaterTurn: (soFar) => continueIfLong(input, soFar, kept.bytes),
    });
    return result;
  } catch (err) {
    if (!isCancellation(err) || !patched(CANCEL_KEEPS_ANSWERS)) throw err;
    const cancelled = cancelledTurns(input.turns, result, progress);
    result.turns.push(...cancelled);
    ended(cancelled);
    // Temporal shows the run Completed (it returned these answers): the memo says it was cancelled.
    upsertMemo({ [CANCELLED_MEMO]: true });
    return result;
  }
}
