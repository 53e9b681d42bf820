/**
 * The activities of an evaluation run, on the workflow task queue (they make no Moveworks call, so they are not
 * counted against MWBATCH_RPS). `checkConversation` checks one conversation's answers (evaluation/checks.ts),
 * reading them from Temporal itself through a client over the worker's connection: an answer never travels through
 * the run's workflows, so their histories stay small. The others serve scheduled runs: reading a suite file, the
 * schedule's previous run, writing the run's files to the worker's runs folder, notifying a webhook.
 */
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { EVALUATION_RUN_WORKFLOW_TYPE } from '../common/names';
import type { ConversationResult } from '../common/types';
import { recordFromWorkflowError, recordsFromResult } from '../batch/turn-records';
import { evaluateChecks } from '../evaluation/checks';
import { answerKey } from '../evaluation/normalise';
import { createNotifyActivities } from '../evaluation/notify';
import { historyOf, pastRuns, readRunRecords, runFolder } from '../evaluation/run-folder';
import { collectRunRecords, writeRunFiles, writeSummary } from '../evaluation/run-files';
import { conversationsOf, suiteOf } from '../evaluation/run-input';
import { formatSuiteProblems, readSuite } from '../evaluation/suite';
import type {
  BaselineDigest,
  EvaluationConversation,
  EvaluationRunInput,
  EvaluationRunResult,
  RowChecks,
  RunSummary,
  StartedRun,
  TurnVerdict,
} from '../evaluation/types';

export interface CheckConversationInput {
  /** The conversation workflow whose answers are checked. */
  workflowId: string;
  repeat: number;
  turns: { rowId: string; question: string; line?: number; checks: RowChecks }[];
}

export interface EvaluationActivityDeps {
  client: Client;
  /** Where scheduled runs' files are written (MWBATCH_RUNS_DIR): `<runsDir>/<suite>/<run id>/`. */
  runsDir: string;
  /** The worker's environment: the webhook URL and format are read from it, never from a workflow. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A suite file read on the worker; a bad one fails the run (not retried), and so does one that is no longer the
 * file the run started with (`sha256`).
 */
async function suiteFile(
  path: string,
  sha256?: string,
): Promise<{ suite: EvaluationRunInput['suite']; conversations: EvaluationConversation[] }> {
  let suite;
  try {
    suite = await readSuite(path);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot read the suite ${path}: ${(err as Error).message}`,
      'SuiteUnreadable',
    );
  }
  if (suite.problems.length > 0) {
    const lines = formatSuiteProblems(path, suite.problems);
    throw ApplicationFailure.nonRetryable(
      `${lines.join('\n')}\n${lines.length} problem(s); nothing was asked.`,
      'InvalidSuite',
    );
  }
  if (sha256 !== undefined && suite.file.sha256 !== sha256) {
    throw ApplicationFailure.nonRetryable(
      `the suite file ${path} changed during the run; the run stops`,
      'SuiteChanged',
    );
  }
  return { suite: suiteOf(suite), conversations: conversationsOf(suite) };
}

export function createEvaluationActivities({ client, runsDir, env = process.env }: EvaluationActivityDeps) {
  return {
    ...createNotifyActivities(env),

    /** `--suite-path`: the suite file as the worker finds it when a run (or its continuation) starts. */
    async describeSuite(input: { path: string }): Promise<{
      suite: EvaluationRunInput['suite'];
      conversations: number;
      rowIds: string[];
    }> {
      const { suite, conversations } = await suiteFile(input.path);
      return {
        suite,
        conversations: conversations.length,
        rowIds: conversations.flatMap((c) => c.turns.map((turn) => turn.rowId)),
      };
    },

    /** Some conversations of a suite file, by index: the ones the cases of one run of the workflow ask. */
    async loadSuiteConversations(input: {
      path: string;
      sha256: string;
      indices: number[];
    }): Promise<EvaluationConversation[]> {
      const { conversations } = await suiteFile(input.path, input.sha256);
      return input.indices.map((i) => conversations[i]!);
    },

    /** The digest of the schedule's latest completed run, from Temporal alone; null before its first. */
    async previousScheduledRun(input: { schedule: string }): Promise<BaselineDigest | null> {
      const query =
        `WorkflowType = "${EVALUATION_RUN_WORKFLOW_TYPE}" AND TemporalScheduledById = "${input.schedule.replace(/"/g, '')}" ` +
        'AND ExecutionStatus = "Completed"';
      let latest: { workflowId: string; runId: string; startTime: Date } | undefined;
      for await (const wf of client.workflow.list({ query })) {
        if (latest === undefined || wf.startTime > latest.startTime) latest = wf;
      }
      if (latest === undefined) return null;
      const result = (await client.workflow.getHandle(latest.workflowId, latest.runId).result()) as EvaluationRunResult;
      return result.digest;
    },

    /**
     * A scheduled run's files, in the worker's runs folder, built as `eval` builds them (a suite file is read again
     * for its questions). Returns the folder, and the questions of the regressions for the notification.
     */
    async writeScheduledRunFiles(input: {
      run: StartedRun;
      summary: RunSummary;
    }): Promise<{ dir: string; regressionQuestions: Record<string, string> }> {
      const { summary } = input;
      const run =
        input.run.suitePath === undefined
          ? input.run
          : {
              ...input.run,
              conversations: (await suiteFile(input.run.suitePath, input.run.suite.sha256)).conversations,
            };
      const suite = run.suite.name;
      const dir = runFolder(runsDir, suite, run.runId);
      const keepAlive = setInterval(() => heartbeat(), 10_000);
      try {
        const records = await collectRunRecords(client, run);
        const runs = await pastRuns(runsDir, suite);
        const baseline = runs.find((r) => r.summary.run_id === summary.baseline_run_id);
        await writeRunFiles({
          dir,
          columns: run.suite.columns,
          summary,
          records,
          baselineRecords: baseline ? await readRunRecords(baseline.dir) : [],
          history: historyOf(runs.filter((r) => r.summary.run_id !== run.runId)),
        });
      } finally {
        clearInterval(keepAlive);
      }
      const regressions = new Set(summary.regressions);
      const turns = run.conversations.flatMap((c) => c.turns).filter((t) => regressions.has(t.rowId));
      return { dir, regressionQuestions: Object.fromEntries(turns.map((t) => [t.rowId, t.question])) };
    },

    /** The summary a scheduled run ends with (the notification's outcome added) replaces the one its files got. */
    async writeRunSummary(input: { dir: string; summary: RunSummary }): Promise<void> {
      await writeSummary(input.dir, input.summary);
    },

    async checkConversation(input: CheckConversationInput): Promise<TurnVerdict[]> {
      heartbeat();
      const rows = input.turns.map((turn) => ({ ...turn, line: turn.line ?? 0, extra: {} }));
      let records;
      try {
        const result = await client.workflow.getHandle(input.workflowId).result();
        records = await recordsFromResult(client, rows, result as ConversationResult, input.workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        records = rows.map((row) => recordFromWorkflowError(row, err, input.workflowId));
      }
      return records.map((record, i) => {
        const failed = evaluateChecks(input.turns[i]!.checks, record);
        return {
          rowId: record.rowId,
          repeat: input.repeat,
          status: record.status,
          passed: failed.length === 0,
          failedChecks: failed.map((f) => f.reason),
          latencyMs: record.latencyMs,
          attempts: record.attempts ?? 0,
          http429s: record.http429s ?? 0,
          answerKey: record.answer === '' ? '' : answerKey(record.answer),
        };
      });
    },
  };
}

export type EvaluationActivities = ReturnType<typeof createEvaluationActivities>;
