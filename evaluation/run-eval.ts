/**
 * `mwbatch eval`, from a terminal: read and check the suite (nothing is asked when a row is bad), resolve the
 * baseline, start the run's `evaluationRunWorkflow` (or attach to it with `--run ID`), follow its progress by query,
 * then write the run's files from its result and the answers Temporal holds. The run itself (fan-out, checks,
 * summary, comparison) belongs to the workflow, so a Temporal Schedule can start the same run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { ConfigError, IncompleteRunError } from '../common/errors';
import {
  BATCH_ID,
  EVALUATION_PROGRESS_QUERY,
  EVALUATION_RUN_WORKFLOW_TYPE,
  evaluationBatchId,
  evaluationRunWorkflowId,
  SUITE_HASH_MEMO,
} from '../common/names';
import type { TurnSettings } from '../common/types';
import { PRIVATE_DIR, PRIVATE_FILE_MODE } from '../common/private-files';
import { checkApiThroughWorker } from '../batch/preflight';
import { ProgressReporter, type ProgressCounts } from '../batch/progress';
import type { evaluationRunWorkflow } from '../workflows';
import { historyOf, pastRuns, readRunRecords, runFolder, RUN_FILE, type EvalRecord, type PastRun } from './run-folder';
import { workflowInput } from '../batch/inspect';
import { collectRunRecords, verdictOfRecord, writeJunit, writeRunFiles } from './run-files';
import { digestOf, tallyOf } from './summary';
import type { Suite } from './suite';
import { checkInputSize, conversationsOf, suiteOf } from './run-input';
import type { EvaluationProgress, EvaluationRunResult, RunSummary, StartedRun } from './types';

export type FailOn = 'regression' | 'failure' | 'never';

export interface EvalOptions {
  runId: string;
  /** True when `--run` named the run: it may already exist. */
  resuming: boolean;
  runsDir: string;
  /** A finished run to compare with, already resolved from `--baseline DIR|latest`. */
  baseline?: PastRun;
  repeats: number;
  concurrency: number;
  taskQueue: string;
  settings: TurnSettings;
  junitPath?: string;
  failOn: FailOn;
  log: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

export interface EvalOutcome {
  summary: RunSummary;
  dir: string;
  records: EvalRecord[];
  exitCode: number;
}

type RunHandle = WorkflowHandle<typeof evaluationRunWorkflow>;

/** The run's workflow input: the whole suite with its checks, the baseline's digest, the turn settings. */
export function evaluationInput(
  suite: Suite,
  options: Pick<EvalOptions, 'runId' | 'repeats' | 'concurrency' | 'settings'>,
  baseline?: { summary: RunSummary; records: EvalRecord[] },
): StartedRun {
  return {
    runId: options.runId,
    suite: suiteOf(suite),
    conversations: conversationsOf(suite),
    repeats: options.repeats,
    window: options.concurrency,
    settings: options.settings,
    baseline: baseline && digestOf(baseline.summary.run_id, tallyOf(baseline.records.map(verdictOfRecord))),
  };
}

async function startOrAttachRun(
  client: Client,
  input: StartedRun,
  options: EvalOptions,
): Promise<{ handle: RunHandle; started: boolean }> {
  const workflowId = evaluationRunWorkflowId(input.suite.name, input.runId);
  const batchId = evaluationBatchId(input.suite.name, input.runId);
  try {
    const handle = await client.workflow.start<typeof evaluationRunWorkflow>(EVALUATION_RUN_WORKFLOW_TYPE, {
      taskQueue: options.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: BATCH_ID, value: batchId }],
      memo: { [SUITE_HASH_MEMO]: input.suite.sha256 },
    });
    return { handle, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  if (!options.resuming) {
    throw new ConfigError(
      `run ${input.runId} of suite ${input.suite.name} already exists; resume it with --run ${input.runId}`,
    );
  }
  const handle = client.workflow.getHandle<typeof evaluationRunWorkflow>(workflowId);
  const { memo } = await handle.describe();
  if (memo?.[SUITE_HASH_MEMO] !== input.suite.sha256) {
    throw new ConfigError(
      `run ${input.runId} was started with another version of suite ${input.suite.name}; its answers would not ` +
        'match this file. Run `mwbatch eval` without --run to start a new run.',
    );
  }
  return { handle, started: false };
}

/** Progress by query, until the run ends; a query that fails (the run is continuing as new) is simply skipped. */
async function follow(handle: RunHandle, options: EvalOptions, input: StartedRun): Promise<EvaluationRunResult> {
  const counts: ProgressCounts = { total: input.conversations.length * input.repeats, done: 0, failed: 0, inFlight: 0 };
  const progress = new ProgressReporter(counts, options.progressStream);
  progress.start();
  let done = false;
  const poll = async () => {
    while (!done) {
      try {
        const p = await handle.query<EvaluationProgress>(EVALUATION_PROGRESS_QUERY);
        counts.done = p.casesDone;
        counts.failed = p.turnsFailed;
        counts.inFlight = Math.min(input.window, p.cases - p.casesDone);
      } catch {
        // between two runs of a continued workflow, or Temporal briefly away: the result wait below decides
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  const polling = poll();
  try {
    return await handle.result();
  } finally {
    done = true;
    progress.stop();
    await polling;
  }
}

/**
 * The records of the baseline the run was compared with: those of `--baseline` (already read), or, for a resumed run
 * started against another one, those of that run found by its id among the suite's earlier runs.
 */
async function baselineOfRun(
  summary: RunSummary,
  given: { run?: PastRun; records: EvalRecord[] },
  earlierRuns: PastRun[],
): Promise<EvalRecord[]> {
  if (summary.baseline_run_id === null) return [];
  if (given.run?.summary.run_id === summary.baseline_run_id) return given.records;
  const run = earlierRuns.find((r) => r.summary.run_id === summary.baseline_run_id);
  return run ? readRunRecords(run.dir) : [];
}

export function exitCodeFor(summary: RunSummary, failOn: FailOn): number {
  if (failOn === 'regression') return summary.regressions.length > 0 ? 1 : 0;
  if (failOn === 'failure') return summary.passed < summary.questions ? 1 : 0;
  return 0;
}

export async function runEvaluation(client: Client, suite: Suite, options: EvalOptions): Promise<EvalOutcome> {
  const { log } = options;
  const baselineRecords = options.baseline ? await readRunRecords(options.baseline.dir) : [];
  const input = evaluationInput(
    suite,
    options,
    options.baseline && { summary: options.baseline.summary, records: baselineRecords },
  );
  checkInputSize(suite.file.path, input, 'split it into smaller suites');
  const dir = runFolder(options.runsDir, suite.name, options.runId);
  const batchId = evaluationBatchId(suite.name, options.runId);
  const earlierRuns = (await pastRuns(options.runsDir, suite.name)).filter((r) => r.summary.run_id !== options.runId);

  if (!options.resuming) await checkApiThroughWorker(client, options.taskQueue, batchId, log);
  const { handle, started } = await startOrAttachRun(client, input, options);
  // A resumed run goes on as it was started (its repeats, window, baseline), whatever this command line says.
  const run = started ? input : { ...(await workflowInput<StartedRun>(client, handle.workflowId)), runId: input.runId };
  await mkdir(dir, PRIVATE_DIR);
  const runFile = {
    run_id: options.runId,
    suite: suite.name,
    workflow_id: handle.workflowId,
    suite_path: suite.file.path,
  };
  await writeFile(join(dir, RUN_FILE), `${JSON.stringify(runFile, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  const cases = run.conversations.length * run.repeats;
  log(
    `${started ? 'started' : 'resuming'} run ${options.runId} of suite ${suite.name}: ${suite.rows.length} questions ` +
      `× ${run.repeats} (${cases} conversations) → ${dir}` +
      (run.baseline ? `, against ${run.baseline.runId}` : '') +
      `\n  (Ctrl-C detaches; resume with: mwbatch eval ${suite.file.path} --run ${options.runId})`,
  );

  let result: EvaluationRunResult;
  try {
    result = await follow(handle, options, run);
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw err;
    // Temporal went away while the run goes on: nothing is lost, the same command with --run collects it.
    throw new IncompleteRunError(
      err instanceof Error ? err.message : String(err),
      `mwbatch eval ${suite.file.path} --run ${options.runId}`,
    );
  }
  const records = await collectRunRecords(client, run);
  const summary = result.summary;
  await writeRunFiles({
    dir,
    columns: suite.file.columns,
    summary,
    records,
    baselineRecords: await baselineOfRun(summary, { run: options.baseline, records: baselineRecords }, earlierRuns),
    history: historyOf(earlierRuns),
  });
  if (options.junitPath) await writeJunit(options.junitPath, summary, records);
  return { summary, dir, records, exitCode: exitCodeFor(summary, options.failOn) };
}
