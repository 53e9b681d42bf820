/**
 * `mwbatch submit FILE`: validate the whole file first (nothing is submitted when a row is bad, unless
 * --skip-invalid), then run the batch and leave results.csv / results.jsonl in the output folder.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { ConfigError } from '../../config/errors';
import type { PollSchedule } from '../../common/types';
import { deriveBatchId, formatProblem, groupConversations, readQuestionFile, type QuestionRow } from '../csv';
import { ResultsWriter, writeRejectedRows } from '../results';
import { summaryTable } from './progress';
import { runBatch, type BatchRunSummary } from './submit';

export interface SubmitFileOptions {
  file: string;
  batchId?: string;
  outDir?: string;
  taskQueue: string;
  concurrency: number;
  deadlineMs?: number;
  poll?: PollSchedule;
  wait: boolean;
  skipInvalid: boolean;
  onRow?: (row: QuestionRow, status: string, answer: string) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SubmitFileOutcome {
  batchId: string;
  outDir: string;
  summary: BatchRunSummary;
  /** 0 every row COMPLETED, 1 some row did not. */
  exitCode: number;
}

/** Thrown for a file with bad rows: every problem is in the message, one `file:line:column: message` a line. */
export class InvalidFileError extends ConfigError {
  override name = 'InvalidFileError';
}

export async function submitFile(client: Client, options: SubmitFileOptions): Promise<SubmitFileOutcome> {
  const log = options.log ?? ((line: string) => console.error(line));
  const file = await readQuestionFile(options.file);
  const batchId = options.batchId ?? deriveBatchId(file);
  const outDir = options.outDir ?? join('results', batchId);
  if (file.problems.length > 0) {
    const lines = file.problems.map((p) => `${options.file}:${formatProblem(p)}`);
    if (!options.skipInvalid || file.rows.length === 0) {
      throw new InvalidFileError(`${lines.join('\n')}\n${file.problems.length} problem(s); nothing was submitted.`);
    }
    const rejected = await writeRejectedRows(outDir, file.problems);
    log(`${lines.join('\n')}\nSkipping ${file.problems.length} problem(s); details in ${rejected}`);
  }
  const results = await ResultsWriter.open(outDir, file.columns);
  const started = Date.now();
  try {
    const conversations = groupConversations(file.rows);
    log(`batch ${batchId}: ${file.rows.length} rows in ${conversations.length} conversations → ${outDir}`);
    const summary = await runBatch(client, conversations, results, {
      batchId,
      taskQueue: options.taskQueue,
      concurrency: options.concurrency,
      deadlineMs: options.deadlineMs,
      poll: options.poll,
      wait: options.wait,
      onRow: options.onRow,
      signal: options.signal,
    });
    if (!options.wait) {
      log(
        `started ${summary.started} workflows (${summary.attached} already existed); collect with: mwbatch results ${batchId}`,
      );
      return { batchId, outDir, summary, exitCode: 0 };
    }
    await results.finalize(file.rows.map((row) => row.id));
    log(summaryTable(summary.byStatus, (Date.now() - started) / 1000));
    const notCompleted = [...summary.byStatus.entries()].some(([status, n]) => status !== 'COMPLETED' && n > 0);
    return { batchId, outDir, summary, exitCode: notCompleted ? 1 : 0 };
  } finally {
    await results.close();
  }
}
