/**
 * The question group workflow: several single-turn conversations of one batch asked at once, each exactly as
 * `conversationWorkflow` asks it (askConversation), in one workflow. At 1,000 questions in flight this costs the
 * server and the worker half the CPU of a workflow per question (bench/COMPARE.md, session 14): one start, one
 * history and one result for N questions. Each conversation gets a title marker of its own (its key), so a retried
 * activity finds its own conversation; which group holds which question is decided by the client, once per batch
 * (batch/groups.ts).
 *
 * Running workflows replay this code after every deploy: a change to the commands it issues goes behind
 * `patched()` (test/replay/README.md).
 */
import { defineQuery, isCancellation, patched, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { mapAtMost } from '../common/at-most';
import { CANCELLED_MEMO, PROGRESS_QUERY } from '../common/names';
import type {
  ConversationProgress,
  ConversationResult,
  GroupedConversation,
  QuestionGroupInput,
  QuestionGroupResult,
} from '../common/types';
import {
  askConversation,
  cancelledTurns,
  httpTaskQueue,
  openTogether,
  recordAnsweredTogether,
  turnCounter,
  turnSettingsOf,
  type ResultBudget,
} from './conversation';
import { utf8Length } from './turn-result';

/**
 * What the group's input and result may hold together, in UTF-8 bytes of JSON: the same as a conversation
 * workflow's largest input (1.5 MiB, checked by the CLI) plus its result budget (256 KiB), under Temporal's 2 MB
 * payload limit. The group's answers share what its input leaves; an answer that does not fit is stored in a child
 * workflow `<group workflow id>/<conversation key>/turn-1`, as a conversation workflow does it.
 */
const PAYLOAD_BUDGET_BYTES = 1.5 * 1024 * 1024 + 256 * 1024;

/**
 * Patch marker of groups whose conversations are opened by one `openConversations` activity (openTogether) when
 * their HTTP activities run on the workflow's own task queue (no rate limit); groups that began before it open
 * each conversation with its own `openConversation`.
 */
export const OPEN_TOGETHER = 'group-opens-together';

/** Each conversation's progress, in the order of the input. */
export const groupProgressQuery = defineQuery<ConversationProgress[]>(PROGRESS_QUERY);

/**
 * Ask every conversation of the group, `atOnce` at a time (all at once when unset); without a rate limit one
 * `openConversations` activity asks them, and the workflow asks only what it hands back. Returns one
 * ConversationResult per conversation, in input order; an API refusal or a timeout is a result. A cancelled group returns the answers that had come, the others
 * CANCELLED, like a cancelled conversation.
 */
export async function questionGroupWorkflow(input: QuestionGroupInput): Promise<QuestionGroupResult> {
  const settings = turnSettingsOf(input);
  const taskQueue = httpTaskQueue(input, settings);
  const { workflowId } = workflowInfo();
  const ended = turnCounter(settings.mode);
  const inputBytes = utf8Length(JSON.stringify(input));
  const kept: ResultBudget = { bytes: 0, limit: Math.max(0, PAYLOAD_BUDGET_BYTES - inputBytes) };
  const progress = input.conversations.map((conversation): ConversationProgress => ({
    turnsDone: 0,
    turnsTotal: conversation.turns.length,
  }));
  setHandler(groupProgressQuery, () => progress);
  let cancelled = false;

  // At most `atOnce` conversations are asked at a time (all of them when unset, as groups were first written).
  const atOnce = input.atOnce ?? input.conversations.length;
  // Without a rate limit, one activity opens every conversation (a third of the CPU per question, bench/COMPARE.md
  // sessions 17 and 18); the answers it brings count against the group's budget like any other.
  const openings =
    taskQueue === workflowInfo().taskQueue && patched(OPEN_TOGETHER)
      ? await openTogether(input.conversations, taskQueue, settings, { atOnce, resultBudgetBytes: kept.limit })
      : undefined;

  const conversations = input.conversations.map((conversation): ConversationResult => ({
    batchId: input.batchId,
    conversationKey: conversation.conversationKey,
    turns: [],
  }));

  const ask = async (conversation: GroupedConversation, i: number): Promise<void> => {
    const result = conversations[i]!;
    const own = progress[i]!;
    try {
      await askConversation(conversation, result, own, {
        taskQueue,
        settings,
        kept, // one budget for the whole group
        storedUnder: `${workflowId}/${conversation.conversationKey}`,
        ended,
        opensWithFirstTurn: () => true,
        markerKey: conversation.conversationKey,
        opening: openings?.[i],
      });
    } catch (err) {
      if (!isCancellation(err)) throw err;
      const unasked = cancelledTurns(conversation.turns, result, own);
      result.turns.push(...unasked);
      ended(unasked);
      cancelled = true;
    }
  };

  // What the group's activity answered is recorded at once; the rest is asked, `atOnce` at a time.
  const rest = input.conversations.flatMap((conversation, i) => {
    const scope = { opening: openings?.[i], kept, ended };
    return recordAnsweredTogether(conversation, conversations[i]!, progress[i]!, scope) ? [] : [i];
  });
  await mapAtMost(rest, atOnce, (i) => ask(input.conversations[i]!, i));
  // Temporal shows the run Completed (it returned these answers): the memo says it was cancelled.
  if (cancelled) upsertMemo({ [CANCELLED_MEMO]: true });
  return { batchId: input.batchId, conversations };
}
