/**
 * Workflow input and output types. They cross the Temporal boundary, so they hold questions, answers and IDs only:
 * never a token, secret or key.
 */
// Type only: nothing of moveworks/ runs in a workflow.
import type { AnswerAction, AnswerCitation } from '../moveworks/answer';

/** One CSV row: one question put to the assistant. */
export interface TurnInput {
  rowId: string;
  /** What is asked; for a button press (`callbackId`), only a description kept in the results, not sent. */
  question: string;
  /** Line of the row in the submitted CSV, so results can be rebuilt from Temporal alone. */
  line?: number;
  /**
   * Press a button the previous answer offered instead of asking (v1 API): its callback ID, or `label:<label>`
   * (common/callback-input.ts).
   */
  callbackId?: string;
}

/**
 * How GetResponse is polled: first wait, growth factor and cap. The polls due within `inlineMs` of the submission
 * run inside the submitting activity (Temporal's pattern for frequent polls: one heartbeating activity); the later
 * ones run from the workflow on durable timers.
 */
export interface PollSchedule {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** 0: every poll on a durable timer. Unset: DEFAULT_INLINE_POLL_MS. */
  inlineMs?: number;
  /**
   * The first poll waits this long instead of firstDelayMs, and the schedule then starts over: the answer time the
   * batch's earlier answers took (common/answer-times.ts), so that a question whose answer is due at 2 s is not
   * polled at 1 s and found at 2.5 s. Unset: the schedule alone.
   */
  firstPollMs?: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstDelayMs: 1000, factor: 1.5, maxDelayMs: 5000 };

/** The API documents up to 120 s to a terminal state; we wait a little longer before calling a turn TIMED_OUT. */
export const DEFAULT_TURN_DEADLINE_MS = 150_000;

/**
 * Without a rate limit, every poll of a turn runs inside the activity that submitted it (one heartbeating activity
 * per turn, Temporal's pattern for frequent polls); only a poll that failed hands the turn to durable timers. The
 * default window is the default deadline: a turn given a longer one polls on timers after it.
 */
export const DEFAULT_INLINE_POLL_MS = DEFAULT_TURN_DEADLINE_MS;

/**
 * The wait before each poll, from the first on: firstDelayMs, then × factor, capped at maxDelayMs; with firstPollMs,
 * that wait comes first and the schedule follows it.
 */
export function pollDelay(schedule: PollSchedule, pollsDone: number): number {
  if (schedule.firstPollMs !== undefined) {
    if (pollsDone === 0) return schedule.firstPollMs;
    pollsDone -= 1;
  }
  let delay = schedule.firstDelayMs;
  for (let i = 0; i < pollsDone && delay < schedule.maxDelayMs; i++) delay *= schedule.factor;
  return Math.min(delay, schedule.maxDelayMs);
}

export type TurnSettings = Required<Pick<ConversationInput, 'deadlineMs' | 'poll' | 'mode'>>;

/**
 * The settings a new workflow starts with, every default filled in by its starter. A workflow's own fallbacks
 * only serve inputs written by older clients: so a later change of a default never reaches a running workflow.
 */
export function resolveTurnSettings(given: Partial<TurnSettings>): TurnSettings {
  return {
    deadlineMs: given.deadlineMs ?? DEFAULT_TURN_DEADLINE_MS,
    poll: { ...DEFAULT_POLL_SCHEDULE, inlineMs: DEFAULT_INLINE_POLL_MS, ...given.poll },
    mode: given.mode ?? 'poll',
  };
}

export interface ConversationInput {
  batchId: string;
  conversationKey: string;
  /** The CSV's `conversation` value, when the rows had one. */
  conversation?: string;
  title?: string;
  turns: TurnInput[];
  /** Per-turn deadline counted from the submission of the turn. */
  deadlineMs?: number;
  poll?: PollSchedule;
  /** `poll` (default): submit, then poll GetResponse on timers. `stream`: submit through SSE, poll only if it breaks. */
  mode?: TurnMode;
  /** Set by the workflow itself when it continues as new: what the earlier runs of this conversation did. */
  continued?: ContinuedConversation;
  /**
   * Set by every starter of this version (STARTER_FLAGS): the workflow may send the first turn within the
   * activity that creates the conversation without recording a `patched()` marker, which costs two history events
   * and a visibility write per workflow. Absent (inputs of older starters, recorded histories), `patched()` decides.
   */
  opensWithFirstTurn?: true;
  /**
   * Set by every starter of this version (STARTER_FLAGS): without a rate limit (inline polls on), the HTTP
   * activities run on the workflow's own task queue, where the worker that completes a workflow task is handed the
   * activity it scheduled in the same reply (eager activity dispatch). Absent (older starters, recorded histories),
   * they run on the API task queue.
   */
  httpOnWorkflowQueue?: true;
}

/** What every starter of this version puts in a new workflow's input besides the conversation and its settings. */
export const STARTER_FLAGS = {
  opensWithFirstTurn: true,
  httpOnWorkflowQueue: true,
} as const satisfies Partial<ConversationInput>;

/** A conversation's progress carried across continue-as-new (its history stays bounded, its turns go on). */
export interface ContinuedConversation {
  conversationId: string;
  /** Results of the turns already asked, in order. */
  turns: TurnResult[];
  /** UTF-8 bytes of those results, counted against the result's budget. */
  keptBytes: number;
}

export type TurnMode = 'poll' | 'stream';

/**
 * COMPLETED and FAILED are the assistant's own terminal states; TIMED_OUT means the deadline passed first;
 * ERROR means the API refused the call (400/401/403/404) or retries were exhausted; CANCELLED means the batch
 * was cancelled before the turn ended.
 */
export type TurnStatus = 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'ERROR' | 'CANCELLED';

/** A citation of an answer, as the API client flattens it. */
export type { AnswerAction, AnswerCitation };

export interface TurnResult {
  rowId: string;
  status: TurnStatus;
  answer: string;
  citations: AnswerCitation[];
  conversationId?: string;
  responseId?: string;
  /** From the submission of the turn to the moment the workflow saw it end. */
  latencyMs: number;
  /** The API's own answer time (the response's completed_at − created_at), when it gave both. */
  answerMs?: number;
  /** The buttons and links the answer offered (v1 API), when it offered any. */
  actions?: AnswerAction[];
  /** HTTP attempts made for this turn, retries included (the conversation's creation counts for its first turn). */
  attempts: number;
  /** Of those, the ones answered 429 (unset in results of older workers). */
  http429s?: number;
  errorCode?: string;
  errorMessage?: string;
  /** x-moveworks-root-uuid of the failing request, for Moveworks support. */
  rootUuid?: string;
  /**
   * Set when this result did not fit in the conversation's own result: the id of the workflow whose input holds
   * it whole (answer and citations are empty here).
   */
  storedIn?: string;
}

export interface ConversationResult {
  batchId: string;
  conversationKey: string;
  conversationId?: string;
  turns: TurnResult[];
}

/**
 * Several single-turn conversations of one batch asked by one workflow (`submit --per-workflow N`): one workflow
 * start, and one history, for N questions instead of N. Each conversation is asked as `conversationWorkflow`
 * asks it, with a conversation marker of its own. Only lone rows (no `conversation` column, no button) are grouped.
 */
export interface QuestionGroupInput extends Pick<ConversationInput, 'deadlineMs' | 'poll' | 'mode'> {
  batchId: string;
  /** The group's place in its batch: workflow `<batch>~group-<index>` (common/names.ts). */
  groupIndex: number;
  conversations: GroupedConversation[];
  /**
   * How many of its conversations the group asks at a time (`submit --at-once`); unset, all of them. Set only when
   * smaller than the group.
   */
  atOnce?: number;
  /** As ConversationInput.httpOnWorkflowQueue (every starter sets it). */
  httpOnWorkflowQueue?: true;
}

/**
 * The most single-turn questions one question group asks (`--per-workflow`): its history stays small and quick to
 * replay, and the worker that runs its first workflow task can take all of its activities at once (worker/workers.ts).
 */
export const MAX_PER_WORKFLOW = 100;

/** What a batch fixes at its first submission (workflows/batch-settings.ts). */
export interface BatchSettings {
  /** Single-turn questions asked per workflow: 1, a conversation workflow each; more, question groups. */
  perWorkflow: number;
}

/** One conversation of a group: one turn. */
export type GroupedConversation = Pick<ConversationInput, 'conversationKey' | 'title' | 'turns'>;

/** A group's result: one ConversationResult per conversation, in the order of the input. */
export interface QuestionGroupResult {
  batchId: string;
  conversations: ConversationResult[];
}

/** Progress a running conversation reports through its `progress` query. */
export interface ConversationProgress {
  conversationId?: string;
  turnsDone: number;
  turnsTotal: number;
  currentResponseId?: string;
}
