/**
 * The bulk job: every conversation of a validated file becomes one workflow (started, or attached to when it
 * already exists), or with `perWorkflow` > 1 its single-turn questions are asked in groups (batch/groups.ts); at
 * most `concurrency` rows in flight; each finished row is appended to the results as it lands.
 * Re-running the same command resumes: rows already in the results are skipped, finished workflows are
 * re-collected without a new API call.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { resolveTurnSettings, type ConversationResult, type PollSchedule, type TurnMode } from '../common/types';
import type { Conversation, QuestionRow } from './questions';
import type { ResultRecord, ResultsWriter } from './results';
import type { questionGroupWorkflow } from '../workflows';
import { GroupChain, GroupCutter, isGroupable, type QuestionGroupHandle } from './groups';
import { runInWindow, type Work } from './window';
import type { ExistingBatch } from './preflight';
import { ConfigError } from '../common/errors';
import { conversationWorkflowId } from '../common/names';
import { inputOfConversation, startOrAttach } from './start';
import { countStatus, ProgressReporter, type ProgressCounts } from './progress';
import { recordFromWorkflowError, recordsOfConversations } from './turn-records';
import { AnswerTimes } from '../common/answer-times';

export interface BatchRunOptions {
  batchId: string;
  taskQueue: string;
  /** Conversations in flight at most (a group counts the questions it asks at once). */
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
  /** What the pre-flight found of the batch: workflows attached to without a check, and the groups it holds. */
  existing?: ExistingBatch;
  /** Single-turn questions per workflow, as the batch recorded it (batch/groups.ts); default 1. */
  perWorkflow?: number;
  /**
   * How many of its questions a group asks at a time (`--at-once`); default all of them. Never more than
   * `concurrency`: a group counts this many in the window.
   */
  atOnce?: number;
}

export interface BatchRunSummary {
  byStatus: Map<string, number>;
  /** Workflows started and attached to (a group of questions counts once). */
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
  const perWorkflow = options.perWorkflow ?? 1;
  // A group asks `atOnce` of its questions at a time, and counts that many in the window (and as in flight): groups
  // larger than that keep the window full with a workflow and an activity for many questions (bench/COMPARE.md,
  // session 18).
  const atOnce = Math.min(options.atOnce ?? perWorkflow, perWorkflow, options.concurrency);
  const weightOf = (questions: number) => Math.min(questions, atOnce);
  const existing = options.existing;
  const pending: (Conversation | undefined)[] = [];
  const toGroup: (Conversation | undefined)[] = [];
  const inKnownGroups = new Map<string, Conversation[]>();
  let total = 0;
  for (const c of conversations) {
    if (!c.rows.some((row) => needsAnswer(row.rowId))) {
      summary.skipped += c.rows.length;
      for (const row of c.rows) countStatus(summary.byStatus, results.status(row.rowId) ?? 'UNKNOWN');
      continue;
    }
    total += c.rows.length;
    const group = existing?.groupOf.get(c.key);
    if (group !== undefined) {
      const asked = inKnownGroups.get(group);
      if (asked) asked.push(c);
      else inKnownGroups.set(group, [c]);
    } else if (perWorkflow > 1 && isGroupable(c)) toGroup.push(c);
    else pending.push(c);
  }
  conversations.length = 0;
  const counts: ProgressCounts = { total, done: 0, failed: 0, inFlight: 0 };
  const progress = new ProgressReporter(counts, options.progressStream);
  if (options.wait) progress.start();

  const noteUncollected = (rows: number, err: unknown) => {
    summary.uncollected += rows;
    summary.lastError ??= err instanceof Error ? err.message : String(err);
  };
  const rowsOf = (cs: Conversation[]) => cs.reduce((n, c) => n + c.rows.length, 0);
  const noteWorkflow = (started: boolean) => {
    if (started) summary.started += 1;
    else summary.attached += 1;
  };

  const answerTimes = new AnswerTimes();
  const turnSettings = () => {
    const settings = resolveTurnSettings(options);
    const firstPollMs = options.poll?.firstPollMs ?? answerTimes.firstPollMs();
    if (firstPollMs !== undefined) settings.poll = { ...settings.poll, firstPollMs };
    return settings;
  };

  /**
   * Waits for a workflow's results (unless --no-wait) and records its conversations' rows; meanwhile `asking`, the
   * questions it asks at a time, count as in flight.
   */
  const collect = async (
    workflowId: string,
    asked: Conversation[],
    resultsOf: () => Promise<ConversationResult[]>,
    asking = rowsOf(asked),
  ): Promise<void> => {
    if (!options.wait) return;
    const rows = rowsOf(asked);
    counts.inFlight += asking;
    let records: ResultRecord[];
    try {
      const conversationResults = await resultsOf();
      for (const result of conversationResults) answerTimes.add(result);
      records = await recordsOfConversations(client, asked, conversationResults, workflowId);
    } catch (err) {
      // Only a workflow that really ended without a result (cancelled, terminated…) makes a row. Losing Temporal
      // for a while must not: the workflow keeps running, and the next run of the same command collects it.
      if (!(err instanceof WorkflowFailedError)) {
        noteUncollected(rows, err);
        return;
      }
      records = asked.flatMap((c) => c.rows.map((row) => recordFromWorkflowError(row, err, workflowId)));
    } finally {
      counts.inFlight -= asking;
    }
    await results.append(records);
    const rowById = new Map(asked.flatMap((c) => c.rows.map((row) => [row.rowId, row] as const)));
    for (const record of records) {
      countStatus(summary.byStatus, record.status);
      counts.done += 1;
      if (record.status !== 'COMPLETED') counts.failed += 1;
      options.onRow?.(rowById.get(record.rowId)!, record.status, record.answer);
    }
  };

  const runConversation = async (conversation: Conversation) => {
    const input = inputOfConversation(options.batchId, conversation, turnSettings());
    let attached;
    try {
      const checked = existing?.workflowIds.has(conversationWorkflowId(input.batchId, input.conversationKey));
      attached = await startOrAttach(client, options.taskQueue, input, { checked });
    } catch (err) {
      if (err instanceof ConfigError) throw err; // the input differs from what the batch holds: nothing to collect
      noteUncollected(conversation.rows.length, err);
      return;
    }
    noteWorkflow(attached.started);
    const { handle } = attached;
    await collect(handle.workflowId, [conversation], async () => [await handle.result()]);
  };

  const collectGroup = async (handle: QuestionGroupHandle, asked: Conversation[], started: boolean) => {
    noteWorkflow(started);
    const asking = weightOf(asked.length);
    await collect(handle.workflowId, asked, async () => (await handle.result()).conversations, asking);
  };

  const chain = new GroupChain(client, options.taskQueue, options.batchId, existing?.groupIndices ?? new Set(), atOnce);
  const runNewGroup = async (group: Conversation[]) => {
    let assignments;
    try {
      assignments = await chain.start(group, turnSettings());
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      noteUncollected(rowsOf(group), err);
      return;
    }
    await Promise.all(assignments.map((a) => collectGroup(a.handle, a.conversations, a.started)));
  };

  // What the window runs, in this order: the groups that already hold some of the file's questions, the
  // conversations asked a workflow each, then new groups of perWorkflow questions.
  const known = inKnownGroups.entries();
  const newGroups = new GroupCutter(toGroup);
  let nextPending = 0;
  const next = (): Work | undefined => {
    const knownGroup = known.next();
    if (!knownGroup.done) {
      const [workflowId, asked] = knownGroup.value;
      const handle = client.workflow.getHandle<typeof questionGroupWorkflow>(workflowId);
      return { weight: weightOf(asked.length), run: () => collectGroup(handle, asked, false) };
    }
    if (nextPending < pending.length) {
      const conversation = pending[nextPending]!;
      pending[nextPending++] = undefined; // from here only its task holds it
      return { weight: 1, run: () => runConversation(conversation) };
    }
    const group = newGroups.take(perWorkflow);
    return group && { weight: weightOf(group.length), run: () => runNewGroup(group) };
  };

  try {
    await runInWindow(next, options.concurrency);
  } finally {
    progress.stop();
  }
  return summary;
}
