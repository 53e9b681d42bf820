/**
 * `mwbatch submit FILE`: validate the whole file first (nothing is submitted when a row is bad, unless
 * --skip-invalid, nor when a conversation is too large for one workflow), check the batch's existing workflows and
 * the API (batch/preflight.ts), then run the batch and leave results.csv / results.jsonl in the output folder.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { conversationWorkflowId } from '../common/names';
import { ConfigError, IncompleteBatchError } from '../common/errors';
import { safeForTerminal } from '../common/terminal';
import { unreadableFileMessage } from '../common/user-file';
import {
  deriveBatchId,
  formatProblem,
  groupConversations,
  readQuestionFile,
  type Conversation,
  type QuestionFile,
} from './questions';
import { ResultsWriter, writeRejectedRows } from './results';
import { inputOfConversation } from './start';
import { batchPerWorkflow } from './groups';
import { checkApiThroughWorker, checkInputsUnchanged, rowLocation } from './preflight';
import { summaryTable } from './progress';
import { runBatch, type BatchRunOptions, type BatchRunSummary } from './submit';

/** Thrown for a file with bad rows: every problem is in the message, one `file:line:column: message` a line. */
export class InvalidFileError extends ConfigError {
  override name = 'InvalidFileError';
}

/**
 * The largest workflow input (one conversation, as JSON) a batch starts. Temporal refuses a payload over 2 MB by
 * default (`limit.blobSize.error`), and reports it like any failed start. A quarter below that leaves room for what
 * is added after this measure: the options (mode, deadline, poll schedule), the payload's metadata, and the
 * encryption envelope when MWBATCH_ENCRYPTION_KEY is set.
 */
export const MAX_CONVERSATION_INPUT_BYTES = 1.5 * 1024 * 1024;

/** Where a batch's messages go unless the caller takes them: stderr, as text safe for a terminal. */
const logToStderr = (line: string) => console.error(safeForTerminal(line, { keepNewlines: true }));

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One line per conversation whose workflow input would be over MAX_CONVERSATION_INPUT_BYTES. */
function oversizedConversations(path: string, batchId: string, conversations: Conversation[]): string[] {
  return conversations.flatMap((conversation) => {
    const size = Buffer.byteLength(JSON.stringify(inputOfConversation(batchId, conversation)));
    if (size <= MAX_CONVERSATION_INPUT_BYTES) return [];
    return [
      `${rowLocation(path, conversation.rows[0]!)}: its conversation of ${conversation.rows.length} row(s) is too ` +
        `large for one workflow: input size ${mib(size)}, limit ${mib(MAX_CONVERSATION_INPUT_BYTES)} (Temporal ` +
        'refuses a workflow input over 2 MB). Split it into smaller conversations or shorten its questions.',
    ];
  });
}

/**
 * A validated file, ready to run once. Its rows are only in `conversations`, which submitFile hands to runBatch,
 * which empties it as rows are recorded: a 100,000-row batch then lets go of its questions as it goes.
 */
export interface BatchFile {
  /** The file's path, header and hash, without its rows. */
  file: Pick<QuestionFile, 'path' | 'columns' | 'sha256'>;
  /** The valid rows' ids in file order (results.csv's final order). */
  rowIds: string[];
  /** The valid rows, grouped once, here: at 100,000 rows each grouping costs ~11 MB of the client's heap. */
  conversations: Conversation[];
  batchId: string;
  outDir: string;
}

/** Read and validate the whole file; nothing touches Temporal or the API before this succeeds. */
export async function loadBatchFile(
  path: string,
  options: { batchId?: string; outDir?: string; skipInvalid: boolean },
  log: (line: string) => void = logToStderr,
): Promise<BatchFile> {
  let file: QuestionFile;
  try {
    file = await readQuestionFile(path);
  } catch (err) {
    throw new InvalidFileError(unreadableFileMessage(path, err) ?? `${path}: ${(err as Error).message}`);
  }
  const batchId = options.batchId ?? deriveBatchId(file);
  const outDir = options.outDir ?? join('results', batchId);
  const lines = file.problems.map((p) => `${path}:${formatProblem(p)}`);
  // A conversation too large for one workflow is refused even with --skip-invalid: skipping its rows would change
  // the conversation the user wrote.
  const conversations = groupConversations(file.rows);
  const oversized = oversizedConversations(path, batchId, conversations);
  if (oversized.length > 0 || (lines.length > 0 && (!options.skipInvalid || file.rows.length === 0))) {
    const all = [...lines, ...oversized];
    throw new InvalidFileError(`${all.join('\n')}\n${all.length} problem(s); nothing was submitted.`);
  }
  if (lines.length > 0) {
    const rejected = await writeRejectedRows(outDir, file.problems);
    log(`${lines.join('\n')}\nSkipping ${file.problems.length} problem(s); details in ${rejected}`);
  }
  return {
    file: { path: file.path, columns: file.columns, sha256: file.sha256 },
    rowIds: file.rows.map((row) => row.rowId),
    conversations,
    batchId,
    outDir,
  };
}

/** A batch run's options (the batch id comes with the file), plus what only a run from a file does. */
export interface SubmitFileOptions extends Omit<BatchRunOptions, 'batchId' | 'needsAnswer' | 'existing'> {
  /** Ask the API through a worker before starting (default true); `dev` runs its own worker and simulator. */
  apiCheck?: boolean;
  log?: (line: string) => void;
}

export interface SubmitFileOutcome {
  summary: BatchRunSummary;
  conversations: number;
  /** Single-turn questions per workflow, as the batch recorded it at its first submission. */
  perWorkflow: number;
  seconds: number;
  /** 0 every row COMPLETED, 1 some row did not, 3 some rows not collected (Temporal unreachable; said in the log). */
  exitCode: number;
}

export async function submitFile(
  client: Client,
  batch: BatchFile,
  options: SubmitFileOptions,
): Promise<SubmitFileOutcome> {
  const log = options.log ?? logToStderr;
  const { file, rowIds, conversations, batchId, outDir } = batch;
  const conversationCount = conversations.length; // runBatch empties the list
  const existing = await checkInputsUnchanged(client, { path: file.path, batchId }, conversations);
  // The API check costs one call: only a batch that will start a conversation makes it. Its round trip through a
  // worker runs while the batch's settings are read; both end before anything is asked.
  const startsSome = conversations.some(
    (c) => !existing.workflowIds.has(conversationWorkflowId(batchId, c.key)) && !existing.groupOf.has(c.key),
  );
  const apiCheck =
    startsSome && options.apiCheck !== false
      ? checkApiThroughWorker(client, options.taskQueue, batchId, log)
      : undefined;
  apiCheck?.catch(() => undefined); // awaited below, once the settings are read (their failure is reported first)
  const requested = options.perWorkflow ?? 1;
  const perWorkflow = await batchPerWorkflow(
    client,
    options.taskQueue,
    batchId,
    requested,
    existing.workflowIds.size > 0,
  );
  if (perWorkflow !== requested) {
    log(`batch ${batchId} asks ${perWorkflow} single-turn question(s) per workflow, as it was first submitted`);
  }
  await apiCheck;
  const results = await ResultsWriter.open(outDir, file.columns);
  const started = Date.now();
  try {
    log(`batch ${batchId}: ${rowIds.length} rows in ${conversationCount} conversations → ${outDir}`);
    const summary = await runBatch(client, conversations, results, {
      ...options,
      batchId,
      existing,
      perWorkflow,
    });
    const outcome = (exitCode: number) => ({
      summary,
      conversations: conversationCount,
      perWorkflow,
      seconds: (Date.now() - started) / 1000,
      exitCode,
    });
    if (!options.wait) {
      log(
        `started ${summary.started} workflows (${summary.attached} already existed); collect with: mwbatch results ${batchId}`,
      );
      return outcome(0);
    }
    await results.finalize(rowIds);
    log(summaryTable(summary.byStatus, (Date.now() - started) / 1000));
    if (summary.uncollected > 0) {
      const incomplete = new IncompleteBatchError(summary.uncollected, summary.lastError ?? 'unknown');
      log(incomplete.message);
      return outcome(incomplete.exitCode);
    }
    return outcome(exitCodeFor(summary.byStatus));
  } finally {
    await results.close();
  }
}

/** 0 when every row ended COMPLETED, 1 otherwise. */
export function exitCodeFor(byStatus: Map<string, number>): number {
  return [...byStatus.entries()].some(([status, n]) => status !== 'COMPLETED' && n > 0) ? 1 : 0;
}
