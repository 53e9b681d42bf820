/**
 * Scheduled evaluation runs on Temporal Schedules: creating one (its action starts `evaluationRunWorkflow` with the
 * suite in its input, or the path of a suite file the worker reads), and reading them back: the schedules of this
 * project, one schedule's description, its runs from Temporal alone (their memo holds the summary).
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { ConfigError } from '../common/errors';
import { EVALUATION_RUN_WORKFLOW_TYPE, RUN_SUMMARY_MEMO } from '../common/names';
import type { TurnSettings } from '../common/types';
import { isWorkerSetting } from './notify-policy';
import { checkInputSize } from './run-input';
import type { EvaluationRunInput, NotifyPolicy, RunSummary } from './types';

const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkScheduleName(name: string): string {
  if (!SCHEDULE_NAME.test(name)) {
    throw new ConfigError(`schedule name "${name}": letters, digits, '.', '_' and '-', at most 64`);
  }
  return name;
}

export function checkEnvName(name: string): string {
  if (!ENV_NAME.test(name)) throw new ConfigError(`--notify-env: "${name}" is not an environment variable name`);
  if (isWorkerSetting(name)) {
    throw new ConfigError(`--notify-env: ${name} is one of the workers' own settings; name a variable of its own`);
  }
  return name;
}

export type Overlap = keyof typeof ScheduleOverlapPolicy;
export const OVERLAP_CHOICES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'];

export interface ScheduleCreateOptions {
  name: string;
  /** The suite as the runs get it: its rows (`--suite`) or a path the worker reads (`--suite-path`). */
  input: EvaluationRunInput;
  /** Where the suite came from, for messages. */
  suiteLabel: string;
  cron?: string;
  everyMs?: number;
  timezone?: string;
  overlap: Overlap;
  catchupWindowMs: number;
  taskQueue: string;
  note?: string;
}

/** The workflow id a schedule's runs start from (Temporal appends the time of each run). */
export function scheduledWorkflowId(suite: string, name: string): string {
  return `eval-${suite}-scheduled-${name}`;
}

export interface ScheduledRunInputOptions {
  suite: EvaluationRunInput['suite'];
  conversations: EvaluationRunInput['conversations'];
  suitePath?: string;
  name: string;
  notify: NotifyPolicy;
  notifyUrlEnv?: string;
  repeats: number;
  concurrency: number;
  settings: TurnSettings;
}

/** The one input every run of a schedule starts with: no run id (each run makes its own), no baseline (the last run). */
export function scheduledRunInput(o: ScheduledRunInputOptions): EvaluationRunInput {
  return {
    suite: o.suite,
    conversations: o.conversations,
    suitePath: o.suitePath,
    repeats: o.repeats,
    window: o.concurrency,
    settings: o.settings,
    schedule: { name: o.name, notify: o.notify, notifyUrlEnv: o.notifyUrlEnv },
  };
}

export async function createSchedule(client: Client, o: ScheduleCreateOptions): Promise<ScheduleHandle> {
  checkInputSize(
    o.suiteLabel,
    o.input,
    'give the schedule --suite-path instead (a file the workers read when each run starts)',
  );
  try {
    return await client.schedule.create({
      scheduleId: o.name,
      spec: {
        ...(o.cron !== undefined ? { cronExpressions: [o.cron] } : { intervals: [{ every: o.everyMs! }] }),
        timezone: o.timezone,
      },
      action: {
        type: 'startWorkflow',
        workflowType: EVALUATION_RUN_WORKFLOW_TYPE,
        workflowId: scheduledWorkflowId(o.input.suite.name, o.name),
        taskQueue: o.taskQueue,
        args: [o.input],
      },
      policies: { overlap: ScheduleOverlapPolicy[o.overlap], catchupWindow: o.catchupWindowMs },
      state: { note: o.note },
      memo: { suite: o.input.suite.name, notify: o.input.schedule?.notify, spec: specText(o) },
    });
  } catch (err) {
    if ((err as Error).name === 'ScheduleAlreadyRunning') {
      throw new ConfigError(`schedule ${o.name} already exists (\`mwbatch schedule delete ${o.name}\` first)`);
    }
    throw err;
  }
}

/** A schedule of this project by name; a missing one (or one that starts something else) is a usage error. */
export async function describeSchedule(client: Client, name: string): Promise<ScheduleDescription> {
  try {
    const description = await client.schedule.getHandle(name).describe();
    if (description.action.workflowType !== EVALUATION_RUN_WORKFLOW_TYPE) {
      throw new ConfigError(`schedule ${name} does not start evaluation runs`);
    }
    return description;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ConfigError(`no schedule named ${name}`);
    throw err;
  }
}

/** The suite, notification policy and repeats a schedule's runs get, from its action's input. */
export function scheduleInputOf(description: ScheduleDescription): EvaluationRunInput | undefined {
  return description.action.args?.[0] as EvaluationRunInput | undefined;
}

/** When the schedule runs, as it was given (`cron "…"` or `every …`): Temporal keeps a cron only compiled. */
export function specText(o: Pick<ScheduleCreateOptions, 'cron' | 'everyMs' | 'timezone'>): string {
  const when = o.cron !== undefined ? `cron "${o.cron}"` : `every ${o.everyMs! / 1000}s`;
  return o.timezone ? `${when} (${o.timezone})` : when;
}

/** The spec text a schedule of this project keeps in its memo. */
export function describedSpec(description: Pick<ScheduleDescription, 'memo'>): string {
  const text = description.memo?.spec;
  return typeof text === 'string' ? text : '(set outside mwbatch)';
}

export interface ScheduledRunLine {
  workflowId: string;
  status: string;
  startedAt: Date;
  summary?: RunSummary;
}

/** The summary a finished run's workflow carries in its memo (none while it runs). */
export function summaryFromMemo(memo: Record<string, unknown> | undefined): RunSummary | undefined {
  const value = memo?.[RUN_SUMMARY_MEMO];
  return value && typeof value === 'object' ? (value as RunSummary) : undefined;
}

/**
 * A schedule's runs, newest first, from Temporal alone: the summary is in each finished run's memo. A run that
 * continued as new is listed once, as its latest execution.
 */
export async function scheduledRuns(client: Client, name: string, limit = 100): Promise<ScheduledRunLine[]> {
  const query = `WorkflowType = "${EVALUATION_RUN_WORKFLOW_TYPE}" AND TemporalScheduledById = "${name}"`;
  const latest = new Map<string, ScheduledRunLine>();
  for await (const wf of client.workflow.list({ query })) {
    const line = {
      workflowId: wf.workflowId,
      status: wf.status.name,
      startedAt: wf.startTime,
      summary: summaryFromMemo(wf.memo),
    };
    const seen = latest.get(wf.workflowId);
    if (seen === undefined || seen.startedAt < line.startedAt) latest.set(wf.workflowId, line);
    if (latest.size >= limit) break;
  }
  return [...latest.values()].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}
