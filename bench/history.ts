/**
 * Where a workflow's time went, read from its history. A conversation workflow is sequential, so its life splits
 * into waits in a task queue (scheduled → started), work (started → completed) and timers (started → fired).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export interface Stages {
  /** First to last event. */
  total: number;
  /** The first workflow task: it waits on the normal task queue, the later ones on the worker's sticky queue. */
  firstWorkflowTaskQueue: number;
  workflowTaskQueue: number;
  workflowTaskRun: number;
  activityQueue: number;
  activityRun: number;
  timers: number;
}

export const NO_STAGES: Stages = {
  total: 0,
  firstWorkflowTaskQueue: 0,
  workflowTaskQueue: 0,
  workflowTaskRun: 0,
  activityQueue: 0,
  activityRun: 0,
  timers: 0,
};

/** Milliseconds spent in each stage by one workflow. */
export function historyStages(history: History): Stages {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const at = (e: HistoryEvent | undefined) => (e ? tsToMs(e.eventTime) : NaN);
  const since = (e: HistoryEvent, earlierId: unknown) => at(e) - at(byId.get(Number(earlierId)));
  const stages = { ...NO_STAGES, total: at(events.at(-1)) - at(events[0]) };
  let first = true;
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) {
      const queued = since(e, e.workflowTaskStartedEventAttributes.scheduledEventId);
      if (first) stages.firstWorkflowTaskQueue = queued;
      else stages.workflowTaskQueue += queued;
      first = false;
    } else if (e.workflowTaskCompletedEventAttributes) {
      stages.workflowTaskRun += since(e, e.workflowTaskCompletedEventAttributes.startedEventId);
    } else if (e.activityTaskStartedEventAttributes) {
      stages.activityQueue += since(e, e.activityTaskStartedEventAttributes.scheduledEventId);
    } else if (e.activityTaskCompletedEventAttributes) {
      stages.activityRun += since(e, e.activityTaskCompletedEventAttributes.startedEventId);
    } else if (e.timerFiredEventAttributes) {
      stages.timers += since(e, e.timerFiredEventAttributes.startedEventId);
    }
  }
  return stages;
}

/** Field-by-field mean. */
export function meanStages(all: Stages[]): Stages {
  const mean = { ...NO_STAGES };
  for (const key of Object.keys(mean) as (keyof Stages)[]) {
    mean[key] = all.reduce((sum, s) => sum + s[key], 0) / Math.max(1, all.length);
  }
  return mean;
}
