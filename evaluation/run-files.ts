/**
 * The files of an evaluation run, built by this one module whoever writes them (`mwbatch eval` from a terminal, or
 * a worker's activity for a scheduled run): results.jsonl (raw text), results.csv (formulas neutralised),
 * summary.json, junit.xml and report.html. The answers and verdicts are read from Temporal (each repeat's
 * conversation workflow, and the case workflow that checked it); a report can also be rebuilt from the files alone
 * (`mwbatch report`).
 */
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { conversationWorkflowId, evaluationBatchId, evaluationCaseWorkflowId, repeatKey } from '../common/names';
import type { ConversationResult } from '../common/types';
import { csvText } from '../common/csv';
import { PRIVATE_DIR, PRIVATE_FILE_MODE } from '../common/private-files';
import { turnText } from '../common/callback-input';
import { CsvLayout } from '../batch/results';
import { recordFromWorkflowError, recordsFromResult } from '../batch/turn-records';
import type { QuestionRow } from '../batch/questions';
import { junitXml } from './junit';
import { answerKey } from './normalise';
import { renderReport } from './report/html';
import { JUNIT_FILE, REPORT_FILE, RESULTS_CSV, RESULTS_JSONL, SUMMARY_FILE, type EvalRecord } from './run-folder';
import { digestOf, passedByQuestion, summariseRun, tallyOf } from './summary';
import type { ReportData, ReportRow, RunHistoryPoint, RunSummary, StartedRun, TurnVerdict } from './types';

/** The columns results.csv of a run adds after the input columns, before those of `submit`. */
export const EVAL_COLUMNS = ['repeat', 'passed', 'failed_checks', 'question_pass_rate', 'distinct_answers'];

/** Conversations read from Temporal at once when collecting a run's answers. */
const COLLECT_CONCURRENCY = 16;

/** The verdicts of one case, by row id; none when the case never ran (its records then say so). */
async function caseVerdicts(client: Client, workflowId: string): Promise<Map<string, TurnVerdict>> {
  try {
    const verdicts = (await client.workflow.getHandle(workflowId).result()) as TurnVerdict[];
    return new Map(verdicts.map((v) => [v.rowId, v]));
  } catch (err) {
    if (err instanceof WorkflowFailedError || err instanceof WorkflowNotFoundError) return new Map();
    throw err;
  }
}

/**
 * Every answer of a finished run, read from its conversation workflows and joined with the verdicts of the case
 * workflows that checked them: one record per question and repeat, repeat by repeat in suite order.
 */
export async function collectRunRecords(client: Client, input: StartedRun): Promise<EvalRecord[]> {
  const suite = input.suite.name;
  const batchId = evaluationBatchId(suite, input.runId);
  const cases = Array.from({ length: input.repeats }, (_, r) =>
    input.conversations.map((conversation) => ({ conversation, repeat: r + 1 })),
  ).flat();
  const collected: EvalRecord[][] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const { conversation, repeat } = cases[i]!;
      const workflowId = conversationWorkflowId(batchId, repeatKey(conversation.key, repeat));
      const rows: QuestionRow[] = conversation.turns.map((turn) => ({
        rowId: turn.rowId,
        question: turn.question,
        line: turn.line,
        ...(turn.callbackId !== undefined && { callbackId: turn.callbackId }),
        conversation: conversation.conversation,
        title: conversation.title,
        extra: turn.extra,
      }));
      let records;
      try {
        const answers = (await client.workflow.getHandle(workflowId).result()) as ConversationResult;
        records = await recordsFromResult(client, rows, answers, workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowFailedError) && !(err instanceof WorkflowNotFoundError)) throw err;
        records = rows.map((row) => recordFromWorkflowError(row, err, workflowId));
      }
      const verdicts = await caseVerdicts(
        client,
        evaluationCaseWorkflowId(suite, input.runId, conversation.key, repeat),
      );
      collected[i] = records.map((record, t) => {
        const verdict = verdicts.get(record.rowId);
        return {
          ...record,
          repeat,
          passed: verdict?.passed ?? false,
          failed_checks: verdict?.failedChecks ?? ['not checked: the run has no verdict for this row'],
          tags: conversation.turns[t]!.tags,
        };
      });
    }
  };
  await Promise.all(Array.from({ length: COLLECT_CONCURRENCY }, worker));
  return withQuestionFigures(collected.flat());
}

/** Each record gets its question's pass rate over the repeats and its number of distinct normalised answers. */
function withQuestionFigures(records: EvalRecord[]): EvalRecord[] {
  const tally = tallyOf(records.map(verdictOfRecord));
  return records.map((r) => {
    const q = tally.questions[r.rowId]!;
    const rate = Math.round((q.passedRepeats / q.repeats) * 10_000) / 10_000;
    return { ...r, question_pass_rate: rate, distinct_answers: q.answerKeys.length };
  });
}

/** A record as the summary sees it: what its checks found, its latency, its normalised answer. */
export function verdictOfRecord(record: EvalRecord): TurnVerdict {
  return {
    rowId: record.rowId,
    repeat: record.repeat,
    status: record.status,
    passed: record.passed,
    failedChecks: record.failed_checks,
    latencyMs: record.latencyMs,
    attempts: record.attempts ?? 0,
    http429s: record.http429s ?? 0,
    answerKey: record.answer === '' ? '' : answerKey(record.answer),
  };
}

/** The summary of a run recomputed from its files against another baseline (`mwbatch report --baseline`). */
export function resummarise(
  summary: RunSummary,
  records: EvalRecord[],
  baseline?: { summary: RunSummary; records: EvalRecord[] },
): RunSummary {
  const digest = baseline && digestOf(baseline.summary.run_id, tallyOf(baseline.records.map(verdictOfRecord)));
  const meta = {
    runId: summary.run_id,
    suite: summary.suite,
    suiteSha256: summary.suite_sha256,
    startedAt: summary.started_at,
    finishedAt: summary.finished_at,
    repeats: summary.repeats,
  };
  const order = [...new Set(records.map((r) => r.rowId))];
  return summariseRun(meta, tallyOf(records.map(verdictOfRecord)), order, digest);
}

/** What report.html shows: each record with its question's comparison, and the baseline's answer beside it. */
export function reportData(
  summary: RunSummary,
  records: readonly EvalRecord[],
  baselineRecords: readonly EvalRecord[],
  history: RunHistoryPoint[],
): ReportData {
  const flaky = new Set(summary.flaky);
  const regressions = new Set(summary.regressions);
  const fixed = new Set(summary.fixed);
  const changed = new Set(summary.changed_answers);
  const baselineByRow = new Map<string, EvalRecord>();
  for (const r of baselineRecords) if (!baselineByRow.has(r.rowId)) baselineByRow.set(r.rowId, r);
  const baselinePassed = passedByQuestion(tallyOf(baselineRecords.map(verdictOfRecord)));
  const rows: ReportRow[] = records.map((r) => ({
    rowId: r.rowId,
    repeat: r.repeat,
    line: r.line,
    question: turnText(r),
    conversation: r.conversation,
    tags: r.tags,
    status: r.status,
    passed: r.passed,
    failedChecks: r.failed_checks,
    answer: r.answer,
    citations: r.citations,
    latencyMs: r.latencyMs,
    regression: regressions.has(r.rowId),
    fixed: fixed.has(r.rowId),
    changed: changed.has(r.rowId),
    flaky: flaky.has(r.rowId),
    baselineAnswer: baselineByRow.get(r.rowId)?.answer,
    baselinePassed: baselinePassed.get(r.rowId),
  }));
  const withThis = history.some((h) => h.runId === summary.run_id)
    ? history
    : [...history, { runId: summary.run_id, startedAt: summary.started_at, passRate: summary.pass_rate }];
  return { summary, rows, history: withThis };
}

/** Write a file whole or not at all: a reader never sees half of it. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, text, { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
  await rename(temp, path);
}

export interface RunFiles {
  dir: string;
  /** The suite's header, for the input columns of results.csv. */
  columns: string[];
  summary: RunSummary;
  records: readonly EvalRecord[];
  /** The baseline run's records, for the answers the report compares with. */
  baselineRecords: readonly EvalRecord[];
  /** The suite's earlier runs, for the report's chart. */
  history: RunHistoryPoint[];
}

export function resultsCsv(columns: string[], records: readonly EvalRecord[]): string {
  const layout = new CsvLayout(columns);
  const header = [...columns, ...EVAL_COLUMNS, ...layout.header.slice(columns.length)];
  const rows = records.map((r) => {
    const cells = layout.cells(r);
    const evalCells = [
      String(r.repeat),
      String(r.passed),
      r.failed_checks.join(' | '),
      r.question_pass_rate === undefined ? '' : String(r.question_pass_rate),
      r.distinct_answers === undefined ? '' : String(r.distinct_answers),
    ];
    return [...cells.slice(0, columns.length), ...evalCells, ...cells.slice(columns.length)];
  });
  return csvText([header, ...rows], { bom: true });
}

/** Every file of a run, each replaced whole; the summary last, so a folder with a summary.json is a finished run. */
export async function writeRunFiles(files: RunFiles): Promise<void> {
  const { dir, summary, records } = files;
  await mkdir(dir, PRIVATE_DIR);
  await writeWhole(join(dir, RESULTS_JSONL), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  await writeWhole(join(dir, RESULTS_CSV), resultsCsv(files.columns, records));
  await writeWhole(join(dir, JUNIT_FILE), junitXml(summary, records));
  await writeReport(dir, reportData(summary, records, files.baselineRecords, files.history));
  await writeSummary(dir, summary);
}

export async function writeSummary(dir: string, summary: RunSummary): Promise<void> {
  await writeWhole(join(dir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
}

export async function writeReport(dir: string, data: ReportData): Promise<string> {
  const path = join(dir, REPORT_FILE);
  await writeWhole(path, renderReport(data));
  return path;
}

export async function writeJunit(path: string, summary: RunSummary, records: readonly EvalRecord[]): Promise<void> {
  await writeWhole(path, junitXml(summary, records));
}
