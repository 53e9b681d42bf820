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
import { defineQuery, isCancellation, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
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

/** Each conversation's progress, in the order of the input. */
export const groupProgressQuery = defineQuery<ConversationProgress[]>(PROGRESS_QUERY);

/**
 * Ask every conversation of the group concurrently. Returns one ConversationResult per conversation, in input
 * order; an API refusal or a timeout is a result. A cancelled group returns the answers that had come, the others
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

  const ask = async (conversation: GroupedConversation, i: number): Promise<ConversationResult> => {
    const result: ConversationResult = {
      batchId: input.batchId,
      conversationKey: conversation.conversationKey,
      turns: [],
    };
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
      });
    } catch (err) {
      if (!isCancellation(err)) throw err;
      const unasked = cancelledTurns(conversation.turns, result, own);
      result.turns.push(...unasked);
      ended(unasked);
      cancelled = true;
    }
    return result;
  };

  const conversations = await Promise.all(input.conversations.map(ask));
  // Temporal shows the run Completed (it returned these answers): the memo says it was cancelled.
  if (cancelled) upsertMemo({ [CANCELLED_MEMO]: true });
  return { batchId: input.batchId, conversations };
}
