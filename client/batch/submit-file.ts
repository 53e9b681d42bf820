/**
 * `mwbatch submit FILE`: validate the whole file first (nothing is submitted when a row is bad, unless
 * --skip-invalid), then run the batch and leave results.csv / results.jsonl in the output folder.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { ConfigError, IncompleteBatchError } from '../../config/errors';
import type { PollSchedule, TurnMode } from '../../common/types';
import {
  deriveBatchId,
  formatProblem,
  groupConversations,
  readQuestionFile,
  type QuestionFile,
  type QuestionRow,
} from '../csv';
import { ResultsWriter, writeRejectedRows } from '../results';
import { summaryTable } from './progress';
import { runBatch, type BatchRunSummary } from './submit';

/** Thrown for a file with bad rows: every problem is in the message, one `file:line:column: message` a line. */
export class InvalidFileError extends ConfigError {
  override name = 'InvalidFileError';
}

export interface BatchFile {
  file: QuestionFile;
  batchId: string;
  outDir: string;
}

/** Read and validate the whole file; nothing touches Temporal or the API before this succeeds. */
export async function loadBatchFile(
  path: string,
  options: { batchId?: string; outDir?: string; skipInvalid: boolean },
  log: (line: string) => void = (line) => console.error(line),
): Promise<BatchFile> {
  let file: QuestionFile;
  try {
    file = await readQuestionFile(path);
  } catch (err) {
    throw new InvalidFileError(`${path}: ${(err as Error).message}`);
  }
  const batchId = options.batchId ?? deriveBatchId(file);
  const outDir = options.outDir ?? join('results', batchId);
  if (file.problems.length > 0) {
    const lines = file.problems.map((p) => `${path}:${formatProblem(p)}`);
    if (!options.skipInvalid || file.rows.length === 0) {
      throw new InvalidFileError(`${lines.join('\n')}\n${file.problems.length} problem(s); nothing was submitted.`);
    }
    const rejected = await writeRejectedRows(outDir, file.problems);
    log(`${lines.join('\n')}\nSkipping ${file.problems.length} problem(s); details in ${rejected}`);
  }
  return { file, batchId, outDir };
}

export interface SubmitFileOptions {
  taskQueue: string;
  concurrency: number;
  deadlineMs?: number;
  poll?: PollSchedule;
  mode?: TurnMode;
  wait: boolean;
  onRow?: (row: QuestionRow, status: string, answer: string) => void;
  log?: (line: string) => void;
}

export interface SubmitFileOutcome {
  summary: BatchRunSummary;
  /** 0 every row COMPLETED, 1 some row did not. */
  exitCode: number;
}

export async function submitFile(
  client: Client,
  batch: BatchFile,
  options: SubmitFileOptions,
): Promise<SubmitFileOutcome> {
  const log = options.log ?? ((line: string) => console.error(line));
  const { file, batchId, outDir } = batch;
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
      mode: options.mode,
      wait: options.wait,
      onRow: options.onRow,
    });
    if (!options.wait) {
      log(
        `started ${summary.started} workflows (${summary.attached} already existed); collect with: mwbatch results ${batchId}`,
      );
      return { summary, exitCode: 0 };
    }
    await results.finalize(file.rows.map((row) => row.id));
    log(summaryTable(summary.byStatus, (Date.now() - started) / 1000));
    if (summary.uncollected > 0) throw new IncompleteBatchError(summary.uncollected, summary.lastError ?? 'unknown');
    return { summary, exitCode: exitCodeFor(summary.byStatus) };
  } finally {
    await results.close();
  }
}

/** 0 when every row ended COMPLETED, 1 otherwise. */
export function exitCodeFor(byStatus: Map<string, number>): number {
  return [...byStatus.entries()].some(([status, n]) => status !== 'COMPLETED' && n > 0) ? 1 : 0;
}
