/**
 * The bulk job: every conversation of a validated file becomes one workflow (started, or attached to when it
 * already exists), at most `concurrency` in flight; each finished row is appended to the results as it lands.
 * Re-running the same command resumes: rows already in the results are skipped, finished workflows are
 * re-collected without a new API call.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { resolveTurnSettings, type PollSchedule, type TurnMode } from '../common/types';
import type { Conversation, QuestionRow } from './questions';
import type { ResultsWriter } from './results';
import { ConfigError } from '../common/errors';
import { conversationWorkflowId } from '../common/names';
import { inputOfConversation, startOrAttach } from './start';
import { countStatus, ProgressReporter, type ProgressCounts } from './progress';
import { recordFromWorkflowError, recordsFromResult } from './turn-records';
import { AnswerTimes } from './answer-times';

export interface BatchRunOptions {
  batchId: string;
  taskQueue: string;
  concurrency: number;
  deadlineMs?: number;
  poll?: PollSchedule;
  mode?: TurnMode;
  /** false: start the workflows and return without waiting for answers (`--no-wait`). */
  wait: boolean;
  /** Called with each finished row (e.g. to print answers). */
  onRow?: (row: QuestionRow, status: string, answer: string) => void;
  progressStream?: NodeJS.WriteStream;
  /** Which rows still need asking; default: those with no result yet. `retry-failed` asks the non-COMPLETED ones. */
  needsAnswer?: (rowId: string) => boolean;
  /** Workflows of the batch whose input the pre-flight already compared with the file: attached without a check. */
  checkedWorkflowIds?: ReadonlySet<string>;
}

export interface BatchRunSummary {
  byStatus: Map<string, number>;
  started: number;
  attached: number;
  skipped: number;
  /** Rows whose workflow could not be started or read (Temporal unreachable): nothing was written for them. */
  uncollected: number;
  lastError?: string;
}

/**
 * Runs `conversations` and empties that array: each conversation is let go once its rows are recorded, so that a
 * batch of 100,000 rows does not hold every question until it ends (bench/COMPARE.md, "The client's memory at
 * 100,000 rows").
 */
export async function runBatch(
  client: Client,
  conversations: Conversation[],
  results: ResultsWriter,
  options: BatchRunOptions,
): Promise<BatchRunSummary> {
  const summary: BatchRunSummary = { byStatus: new Map(), started: 0, attached: 0, skipped: 0, uncollected: 0 };
  const needsAnswer = options.needsAnswer ?? ((rowId: string) => !results.has(rowId));
  const pending: (Conversation | undefined)[] = [];
  for (const c of conversations) {
    if (c.rows.some((row) => needsAnswer(row.rowId))) {
      pending.push(c);
      continue;
    }
    summary.skipped += c.rows.length;
    for (const row of c.rows) countStatus(summary.byStatus, results.status(row.rowId) ?? 'UNKNOWN');
  }
  conversations.length = 0;
  const counts: ProgressCounts = {
    total: pending.reduce((n, c) => n + c!.rows.length, 0),
    done: 0,
    failed: 0,
    inFlight: 0,
  };
  const progress = new ProgressReporter(counts, options.progressStream);
  if (options.wait) progress.start();

  const noteUncollected = (conversation: Conversation, err: unknown) => {
    summary.uncollected += conversation.rows.length;
    summary.lastError ??= err instanceof Error ? err.message : String(err);
  };

  const answerTimes = new AnswerTimes();
  const runOne = async (conversation: Conversation) => {
    const settings = resolveTurnSettings(options);
    const firstPollMs = options.poll?.firstPollMs ?? answerTimes.firstPollMs();
    if (firstPollMs !== undefined) settings.poll = { ...settings.poll, firstPollMs };
    const input = inputOfConversation(options.batchId, conversation, settings);
    let attached;
    try {
      const checked = options.checkedWorkflowIds?.has(conversationWorkflowId(input.batchId, input.conversationKey));
      attached = await startOrAttach(client, options.taskQueue, input, { checked });
    } catch (err) {
      if (err instanceof ConfigError) throw err; // the input differs from what the batch holds: nothing to collect
      noteUncollected(conversation, err);
      return;
    }
    const { handle, started } = attached;
    const { workflowId } = handle;
    if (started) summary.started += 1;
    else summary.attached += 1;
    if (!options.wait) return;
    counts.inFlight += conversation.rows.length;
    let records;
    try {
      const result = await handle.result();
      answerTimes.add(result);
      records = await recordsFromResult(client, conversation.rows, result, workflowId);
    } catch (err) {
      // Only a workflow that really ended without a result (cancelled, terminated…) makes a row. Losing Temporal
      // for a while must not: the workflow keeps running, and the next run of the same command collects it.
      if (!(err instanceof WorkflowFailedError)) {
        noteUncollected(conversation, err);
        return;
      }
      records = conversation.rows.map((row) => recordFromWorkflowError(row, err, workflowId));
    } finally {
      counts.inFlight -= conversation.rows.length;
    }
    await results.append(records);
    for (const [i, record] of records.entries()) {
      countStatus(summary.byStatus, record.status);
      counts.done += 1;
      if (record.status !== 'COMPLETED') counts.failed += 1;
      options.onRow?.(conversation.rows[i]!, record.status, record.answer);
    }
  };

  const inFlight = new Set<Promise<void>>();
  try {
    for (let i = 0; i < pending.length; i++) {
      const conversation = pending[i]!;
      pending[i] = undefined; // from here only its task holds it
      const task = runOne(conversation).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    progress.stop();
  }
  return summary;
}
