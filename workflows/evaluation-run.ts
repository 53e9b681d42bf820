/**
 * `evaluationRunWorkflow`: one run of an evaluation suite, owned end to end by Temporal so that `mwbatch eval` (which
 * follows it from a terminal) and a Temporal Schedule can start it alike. It fans the suite's conversations out as
 * `evaluationCaseWorkflow` children, `window` at a time (the sliding window of Temporal's batch samples), each
 * repeat in a conversation of its own; folds their verdicts into a tally (evaluation/summary.ts); and returns the
 * run's summary, compared with the baseline it was given. Past CASES_PER_RUN cases it drains its window and
 * continues as new, carrying the tally, so its history stays bounded however large the suite.
 *
 * A run a schedule starts (`input.schedule`) also does, through activities on the worker, what a terminal does for
 * `eval`: it may read its suite from a file (`suitePath`), compares with the schedule's previous run, writes the
 * run's files to the worker's runs folder, and notifies a webhook as the schedule's policy says. Workflow code:
 * deterministic, no I/O.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { EvaluationActivities } from '../activities/evaluation';
import {
  BATCH_ID,
  EVALUATION_PROGRESS_QUERY,
  evaluationBatchId,
  evaluationCaseWorkflowId,
  conversationWorkflowId,
  repeatKey,
  RUN_SUMMARY_MEMO,
} from '../common/names';
import { STARTER_FLAGS, type ConversationInput } from '../common/types';
import { addVerdicts, digestOf, emptyTally, summariseRun } from '../evaluation/summary';
import { NOTIFY_ACTIVITY_OPTIONS, shouldNotify } from '../evaluation/notify-policy';
import type {
  EvaluationConversation,
  EvaluationProgress,
  EvaluationRunInput,
  EvaluationRunResult,
  RunSummary,
  StartedRun,
  TurnVerdict,
} from '../evaluation/types';
import { evaluationCaseWorkflow } from './evaluation-case';

export const evaluationProgressQuery = defineQuery<EvaluationProgress>(EVALUATION_PROGRESS_QUERY);

/** Cases started by one run of the workflow before it continues as new (each costs it about six events). */
export const CASES_PER_RUN = 500;

/** The worker-side steps of a scheduled run: reading a suite file, the previous run, the files. */
const runActivities = proxyActivities<EvaluationActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

/** A notification is retried for a few minutes (429s honoured), then the run ends saying it was not delivered. */
const notifyActivities = proxyActivities<EvaluationActivities>(NOTIFY_ACTIVITY_OPTIONS);

/**
 * A scheduled run's id, from its start: `r-YYYYMMDD-HHMM-` + the last 4 characters of its first run id (random in
 * every UUID version; the first ones of a version-7 UUID are its time, the same for runs a second apart).
 */
function scheduledRunId(): string {
  const info = workflowInfo();
  const stamp = new Date(info.startTime).toISOString().replace(/[-:]/g, '').slice(0, 13).replace('T', '-');
  return `r-${stamp}-${info.firstExecutionRunId.replace(/-/g, '').slice(-4)}`;
}

/** The message of an activity's last failure, for the summary. */
function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The suite as one run of the workflow sees it: how many conversations, the row ids in file order (for the
 * summary), and the conversations this run will start. A suite in the input is all there; a suite file
 * (`suitePath`) is read by activities, a page at a time (the conversations of the cases this run starts), so that
 * no event of the history holds the whole suite.
 */
interface SuiteView {
  count: number;
  rowIds: string[];
  conversation(index: number): EvaluationConversation;
}

function inlineSuite(run: StartedRun): SuiteView {
  return {
    count: run.conversations.length,
    rowIds: run.conversations.flatMap((c) => c.turns.map((turn) => turn.rowId)),
    conversation: (index) => run.conversations[index]!,
  };
}

/** The conversations of cases [from, to) of a suite file: the indices wrap around for the repeats. */
async function suitePage(run: StartedRun, count: number, rowIds: string[], from: number, to: number) {
  const indices = [...new Set(Array.from({ length: Math.max(0, to - from) }, (_, i) => (from + i) % count))];
  const page = new Map<number, EvaluationConversation>();
  if (indices.length > 0) {
    const loaded = await runActivities.loadSuiteConversations({
      path: run.suitePath!,
      sha256: run.suite.sha256,
      indices,
    });
    loaded.forEach((conversation, i) => page.set(indices[i]!, conversation));
  }
  return { count, rowIds, conversation: (index: number) => page.get(index)! } satisfies SuiteView;
}

/** The cases in start order: every conversation once, then every conversation again for each further repeat. */
function caseAt(suite: SuiteView, index: number) {
  return { conversation: suite.conversation(index % suite.count), repeat: Math.floor(index / suite.count) + 1 };
}

function caseFailed(rowId: string, repeat: number, message: string): TurnVerdict {
  const reason = `the case workflow failed: ${message}`;
  return {
    rowId,
    repeat,
    status: 'ERROR',
    passed: false,
    failedChecks: [reason],
    attempts: 0,
    http429s: 0,
    answerKey: '',
  };
}

/**
 * The run's input with what a run decides when it starts: its id, its baseline, and its suite: a suite file is
 * described (hashed, counted) by an activity, again after each continue-as-new, which must find the same file.
 */
async function startRun(
  input: EvaluationRunInput,
): Promise<{ run: StartedRun; file?: { count: number; rowIds: string[] } }> {
  const runId = input.runId ?? scheduledRunId();
  let run: StartedRun = { ...input, runId };
  let file: { count: number; rowIds: string[] } | undefined;
  if (input.suitePath !== undefined) {
    const described = await runActivities.describeSuite({ path: input.suitePath });
    if (input.progress && described.suite.sha256 !== input.suite.sha256) {
      throw ApplicationFailure.nonRetryable(
        `the suite file ${input.suitePath} changed while run ${runId} was asking it; the run stops`,
        'SuiteChanged',
      );
    }
    run = { ...run, suite: { ...described.suite, name: input.suite.name } };
    file = { count: described.conversations, rowIds: described.rowIds };
  }
  if (input.schedule && !input.progress) {
    const previous = await runActivities.previousScheduledRun({ schedule: input.schedule.name });
    run.baseline = previous ?? undefined;
  }
  return { run, file };
}

/** A scheduled run's files on the worker, and its notification; what happened is added to the summary. */
async function finishScheduledRun(run: StartedRun, summary: RunSummary): Promise<RunSummary> {
  const schedule = run.schedule!;
  let finished: RunSummary = { ...summary, schedule: schedule.name };
  // The files' activity reads the questions (a suite file's again): it returns those of the regressions.
  let questions: Record<string, string> = {};
  try {
    const written = await runActivities.writeScheduledRunFiles({ run, summary: finished });
    finished = { ...finished, run_dir: written.dir };
    questions = written.regressionQuestions;
  } catch (err) {
    log.warn('the run files could not be written; the answers stay in Temporal', { error: failureMessage(err) });
  }
  if (!shouldNotify(schedule.notify, finished)) return finished;
  try {
    const outcome = await notifyActivities.notifyRun({
      summary: finished,
      reportPath: finished.run_dir === undefined ? undefined : `${finished.run_dir}/report.html`,
      questions,
      urlEnv: schedule.notifyUrlEnv,
    });
    finished = {
      ...finished,
      notification: { delivered: outcome.delivered, attempts: outcome.attempts, error: outcome.error },
    };
  } catch (err) {
    const attempts = NOTIFY_ACTIVITY_OPTIONS.retry?.maximumAttempts ?? 0;
    finished = { ...finished, notification: { delivered: false, attempts, error: failureMessage(err) } };
  }
  if (finished.run_dir !== undefined) {
    await runActivities.writeRunSummary({ dir: finished.run_dir, summary: finished }).catch((err: unknown) => {
      log.warn('summary.json could not be updated with the notification', { error: failureMessage(err) });
    });
  }
  return finished;
}

export async function evaluationRunWorkflow(input: EvaluationRunInput): Promise<EvaluationRunResult> {
  const { run, file } = await startRun(input);
  const suite = run.suite.name;
  const batchId = evaluationBatchId(suite, run.runId);
  const conversationCount = file?.count ?? run.conversations.length;
  const total = conversationCount * run.repeats;
  const startedAt = run.progress?.startedAt ?? new Date().toISOString();
  const tally = run.progress?.tally ?? emptyTally();
  const counts = { turnsPassed: run.progress?.turnsPassed ?? 0, turnsFailed: run.progress?.turnsFailed ?? 0 };
  let next = run.progress?.next ?? 0;
  let inFlight = 0;
  let casesDone = next;
  const record = (verdicts: TurnVerdict[]) => {
    addVerdicts(tally, verdicts);
    for (const v of verdicts) counts[v.passed ? 'turnsPassed' : 'turnsFailed'] += 1;
  };

  setHandler(evaluationProgressQuery, () => ({ cases: total, casesDone, ...counts }));

  const runCase = async (index: number) => {
    const { conversation, repeat } = caseAt(view, index);
    const key = repeatKey(conversation.key, repeat);
    const conversationInput: ConversationInput = {
      batchId,
      conversationKey: key,
      conversation: conversation.conversation,
      title: conversation.title,
      turns: conversation.turns.map(({ rowId, question, line, callbackId }) => ({
        rowId,
        question,
        line,
        ...(callbackId !== undefined && { callbackId }),
      })),
      ...run.settings,
      ...STARTER_FLAGS,
    };
    const caseInput = {
      conversationWorkflowId: conversationWorkflowId(batchId, key),
      conversation: conversationInput,
      repeat,
      checks: conversation.turns.map((turn) => turn.checks),
    };
    try {
      const child = await startChild(evaluationCaseWorkflow, {
        workflowId: evaluationCaseWorkflowId(suite, run.runId, conversation.key, repeat),
        args: [caseInput],
        typedSearchAttributes: [{ key: BATCH_ID, value: batchId }],
      });
      record(await child.result());
    } catch (err) {
      // Only a bug fails a case (its activity retries until it succeeds): its turns count as errors, the run goes on.
      const message = err instanceof Error ? err.message : String(err);
      record(conversation.turns.map((turn) => caseFailed(turn.rowId, repeat, message)));
    }
    casesDone += 1;
  };

  const startedHere = next;
  const casesPerRun = run.casesPerRun ?? CASES_PER_RUN;
  const view = file
    ? await suitePage(run, file.count, file.rowIds, next, Math.min(total, next + casesPerRun))
    : inlineSuite(run);
  while (next < total && next - startedHere < casesPerRun && !workflowInfo().continueAsNewSuggested) {
    await condition(() => inFlight < run.window);
    const index = next++;
    inFlight += 1;
    void runCase(index).finally(() => (inFlight -= 1));
  }
  await condition(() => inFlight === 0);

  if (next < total) {
    const continueAsNew = makeContinueAsNewFunc<typeof evaluationRunWorkflow>({
      memo: workflowInfo().memo,
      typedSearchAttributes: workflowInfo().typedSearchAttributes,
    });
    // A suite read from a file is read again by the next run (and must not have changed), not carried.
    const progress = { startedAt, next, tally, ...counts };
    await continueAsNew({ ...input, runId: run.runId, suite: run.suite, baseline: run.baseline, progress });
  }

  let summary = summariseRun(
    {
      runId: run.runId,
      suite,
      suiteSha256: run.suite.sha256,
      startedAt,
      finishedAt: new Date().toISOString(),
      repeats: run.repeats,
    },
    tally,
    view.rowIds,
    run.baseline,
  );
  if (run.schedule) summary = await finishScheduledRun(run, summary);
  upsertMemo({ [RUN_SUMMARY_MEMO]: summary });
  return { summary, digest: digestOf(run.runId, tally) };
}
