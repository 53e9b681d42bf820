/**
 * PROTOTYPES for bench/compare.ts, not part of the product: two ways of asking several single-turn questions per
 * workflow, to measure what fewer workflows per question would save (bench/COMPARE.md, "Session 13").
 *
 * - `groupedQuestionsWorkflow`: a fixed group of questions, started together, each asked by the product's own
 *   `openConversation` activity; the workflow ends when the group's last answer is in.
 * - `laneWorkflow`: a long-lived workflow that a question joins by an `ask` update (update ID = row ID) and leaves
 *   with its answer; the client keeps its window full one question at a time, as `submit` does with workflows.
 * - either with `local`: `openConversation` as a local activity (bench/COMPARE.md, "Session 16").
 * - `windowWorkflow`: all its questions asked by one activity, `window` at a time (bench/prototype/window-activity.ts,
 *   run by the prototype client's own worker on `<task queue>-window`; bench/COMPARE.md, "Session 17").
 *
 * Neither is exactly-once: `openConversation` recognises what its earlier attempt created by a marker derived from
 * the workflow's ID (activities/reconcile.ts), which every question of one workflow would share. Measurement only;
 * bundled by bench/prototype/workflows.ts, never by the worker's own bundle.
 */
import {
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { WindowActivities } from './window-activity';
import { HTTP_RETRY, openingActivities, openingStartToCloseMs } from '../../workflows/conversation';
import { DEFAULT_POLL_SCHEDULE, DEFAULT_TURN_DEADLINE_MS } from '../../common/types';

export interface PrototypeQuestion {
  rowId: string;
  question: string;
}

export interface PrototypeSettings {
  mode: 'poll' | 'stream';
  /** Poll mode: the first poll's delay, from the batch's answer times (common/answer-times.ts), as `submit` does. */
  firstPollMs?: number;
  /**
   * `openConversation` as a local activity (session 16): run by the worker inside the workflow task, its result sent
   * with the task's completion, so no activity task, start or completion of its own reaches the server. It has no
   * heartbeat, so a retry reconciles only by marker.
   */
  local?: boolean;
}

export interface PrototypeAnswer {
  rowId: string;
  status: string;
  /** ms from the submission's start to the terminal status, as the conversation workflow's `latencyMs`. */
  latencyMs: number;
  /** The API's answer time (completed_at − created_at), when it gave one. */
  answerMs?: number;
}

/** One question, asked the way the conversation workflow asks a first turn without a rate limit. */
async function ask({ rowId, question }: PrototypeQuestion, settings: PrototypeSettings): Promise<PrototypeAnswer> {
  const poll = { ...DEFAULT_POLL_SCHEDULE, inlineMs: DEFAULT_TURN_DEADLINE_MS, firstPollMs: settings.firstPollMs };
  const turn = { mode: settings.mode, poll, deadlineMs: DEFAULT_TURN_DEADLINE_MS };
  // On the workflow's own queue (eager dispatch), with the conversation workflow's timeouts and retry policy.
  const { openConversation } = settings.local
    ? proxyLocalActivities<Activities>({
        startToCloseTimeout: openingStartToCloseMs(turn, DEFAULT_TURN_DEADLINE_MS),
        retry: HTTP_RETRY,
      })
    : openingActivities(workflowInfo().taskQueue, turn, DEFAULT_TURN_DEADLINE_MS);
  const startedAt = Date.now();
  const { submitted } = await openConversation({
    firstQuestion: question,
    firstTurn: { question, rowId, mode: settings.mode, poll: settings.mode === 'poll' ? poll : undefined },
  });
  return {
    rowId,
    status: (submitted?.terminal && submitted.status) || 'NOT_TERMINAL',
    latencyMs: Date.now() - startedAt,
    answerMs: submitted?.answerMs,
  };
}

export async function groupedQuestionsWorkflow(input: {
  questions: PrototypeQuestion[];
  settings: PrototypeSettings;
}): Promise<PrototypeAnswer[]> {
  return Promise.all(input.questions.map((question) => ask(question, input.settings)));
}

export const askUpdate = defineUpdate<PrototypeAnswer, [PrototypeQuestion, PrototypeSettings]>('ask');
export const finishSignal = defineSignal('finish');

export async function laneWorkflow(): Promise<void> {
  let finishing = false;
  setHandler(finishSignal, () => void (finishing = true));
  setHandler(askUpdate, (question, settings) => ask(question, settings));
  await condition(() => finishing && allHandlersFinished());
}

/** The task queue of the window prototype's activity: the prototype client runs its worker. */
export function windowTaskQueue(taskQueue: string): string {
  return `${taskQueue}-window`;
}

export async function windowWorkflow(input: {
  questions: PrototypeQuestion[];
  window: number;
}): Promise<PrototypeAnswer[]> {
  const { askInWindow } = proxyActivities<WindowActivities>({
    taskQueue: windowTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30m',
    heartbeatTimeout: '10s',
    retry: { maximumAttempts: 1 },
  });
  return askInWindow(input);
}
