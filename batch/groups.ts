/**
 * Several single-turn questions per workflow (`submit --per-workflow N`), asked exactly once. With a workflow per
 * conversation, Temporal's workflow ID uniqueness is what refuses a second start of the same question. With
 * groups, which group holds a question is decided here, and two rules keep each question in one group only, across
 * reruns, edited files and two submissions racing each other:
 *
 * 1. A batch's `perWorkflow` is fixed by its first submission, in the input of workflow `<batch>~settings`: the
 *    first start wins, a later submission reads it. A batch the CLI ran before that record existed keeps a
 *    workflow per conversation.
 * 2. Groups are numbered in one chain, `<batch>~group-0`, `~group-1`, … A group is started only once every group
 *    before it is known, with its questions: visibility's listing for the ones it shows (a group's questions are in
 *    its memo, written at its start and never changed), and the group's own input, read from its history, for one
 *    it does not show yet (a start refused because the ID exists). So a question already in some group is never
 *    put in another: the later group's starter saw the earlier group's questions before starting it.
 *
 * Multi-turn conversations, and rows that press a button, keep a workflow per conversation.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  BATCH_ID,
  BATCH_SETTINGS_WORKFLOW_TYPE,
  batchSettingsWorkflowId,
  QUESTION_GROUP_WORKFLOW_TYPE,
  questionGroupWorkflowId,
} from '../common/names';
import { InputMismatchError } from '../common/errors';
import {
  STARTER_FLAGS,
  type BatchSettings,
  type GroupedConversation,
  type QuestionGroupInput,
  type TurnSettings,
} from '../common/types';
import type { questionGroupWorkflow } from '../workflows';
import type { Conversation } from './questions';
import { workflowInput } from './inspect';
import { conversationInputHash, firstRowOf, startOnce } from './start';

export type QuestionGroupHandle = WorkflowHandle<typeof questionGroupWorkflow>;

/** The memo of a group: each conversation's key and input hash (conversationInputHash), as the pre-flight reads it. */
export const GROUP_HASHES_MEMO = 'inputHashes';

/**
 * A group's input stays under this (UTF-8 bytes of JSON): its answers share what is left of the payload budget
 * (workflows/question-group.ts). A question larger than this is a group of its own.
 */
export const MAX_GROUP_INPUT_BYTES = 256 * 1024;

/** Whether a conversation may be asked in a group: one turn, not a button press, no `conversation` column. */
export function isGroupable(conversation: Conversation): boolean {
  const [row, ...more] = conversation.rows;
  return row !== undefined && more.length === 0 && row.conversation === undefined && row.callbackId === undefined;
}

/** The group's index, read back from its workflow ID; undefined for any other workflow. */
export function groupIndexOf(batchId: string, workflowId: string): number | undefined {
  const prefix = questionGroupWorkflowId(batchId, 0).slice(0, -1);
  if (!workflowId.startsWith(prefix)) return undefined;
  const index = Number(workflowId.slice(prefix.length));
  return Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/** The conversation keys and input hashes a group's memo records. */
export function groupHashes(memo: Record<string, unknown> | undefined): Map<string, string> {
  const recorded = memo?.[GROUP_HASHES_MEMO];
  const hashes = new Map<string, string>();
  if (recorded && typeof recorded === 'object') {
    for (const [key, hash] of Object.entries(recorded)) if (typeof hash === 'string') hashes.set(key, hash);
  }
  return hashes;
}

function groupedConversation(conversation: Conversation): GroupedConversation {
  return {
    conversationKey: conversation.key,
    title: conversation.title,
    turns: conversation.rows.map(({ rowId, question, line }) => ({ rowId, question, line })),
  };
}

/** The batch's perWorkflow, recorded by its first submission (rule 1); `requested` when this is the first. */
export async function batchPerWorkflow(
  client: Client,
  taskQueue: string,
  batchId: string,
  requested: number,
  hasWorkflows: boolean,
): Promise<number> {
  const workflowId = batchSettingsWorkflowId(batchId);
  // A batch with workflows and no record was started by an mwbatch without groups: a workflow per conversation.
  const settings: BatchSettings = { perWorkflow: hasWorkflows ? 1 : requested };
  if (await startOnce(client, BATCH_SETTINGS_WORKFLOW_TYPE, { taskQueue, workflowId, args: [settings] })) {
    return settings.perWorkflow;
  }
  const recorded = await workflowInput<BatchSettings>(client, workflowId);
  return recorded.perWorkflow;
}

/** A group this submission started, or found holding some of its questions; `conversations` are the file's. */
export interface GroupAssignment {
  handle: QuestionGroupHandle;
  conversations: Conversation[];
  started: boolean;
}

/**
 * The batch's chain of groups (rule 2). `known` are the groups visibility listed: the chain goes on after the
 * longest run of them from group 0. Starts are made one at a time, in order.
 */
export class GroupChain {
  private next = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly batchId: string,
    known: ReadonlySet<number>,
    /** Questions a group asks at a time (QuestionGroupInput.atOnce); a group no larger asks all at once. */
    private readonly atOnce = Number.POSITIVE_INFINITY,
  ) {
    while (known.has(this.next)) this.next += 1;
  }

  /**
   * Start the next group with `conversations` (none of them in a group visibility listed). Where a group already
   * holds some of them, they are assigned to it instead, and the rest go on to the following group.
   */
  start(conversations: Conversation[], settings: TurnSettings): Promise<GroupAssignment[]> {
    const run = this.turn.then(() => this.startInOrder(conversations, settings));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async startInOrder(conversations: Conversation[], settings: TurnSettings): Promise<GroupAssignment[]> {
    const assignments: GroupAssignment[] = [];
    let left = conversations;
    while (left.length > 0) {
      const groupIndex = this.next++;
      const workflowId = questionGroupWorkflowId(this.batchId, groupIndex);
      const input: QuestionGroupInput = {
        batchId: this.batchId,
        groupIndex,
        conversations: left.map(groupedConversation),
        ...(this.atOnce < left.length && { atOnce: this.atOnce }),
        ...settings,
        httpOnWorkflowQueue: STARTER_FLAGS.httpOnWorkflowQueue,
      };
      const hashes = Object.fromEntries(input.conversations.map((c) => [c.conversationKey, conversationInputHash(c)]));
      const handle = await startOnce<typeof questionGroupWorkflow>(this.client, QUESTION_GROUP_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: [{ key: BATCH_ID, value: this.batchId }],
        memo: { [GROUP_HASHES_MEMO]: hashes },
      });
      if (handle) {
        assignments.push({ handle, conversations: left, started: true });
        return assignments;
      }
      // Another submission started this group meanwhile (or visibility did not list it yet): read what it holds.
      const existing = await workflowInput<QuestionGroupInput>(this.client, workflowId);
      const held = new Map(existing.conversations.map((c) => [c.conversationKey, conversationInputHash(c)]));
      const mine = left.filter((c) => held.has(c.key));
      for (const conversation of mine) {
        if (held.get(conversation.key) !== hashes[conversation.key]) {
          throw new InputMismatchError(
            `${firstRowOf(groupedConversation(conversation))}: batch ${this.batchId} already holds this question ` +
              `(workflow ${workflowId}) with another text or title; attaching would return the old answer. Submit ` +
              'the edited file with a new --batch.',
          );
        }
      }
      if (mine.length > 0) {
        const handle = this.client.workflow.getHandle<typeof questionGroupWorkflow>(workflowId);
        assignments.push({ handle, conversations: mine, started: false });
      }
      left = left.filter((c) => !held.has(c.key));
    }
    return assignments;
  }
}

/**
 * The conversations still to be grouped, handed out as groups in file order, each under MAX_GROUP_INPUT_BYTES of
 * questions and titles; each conversation is let go from the array as it is handed out.
 */
export class GroupCutter {
  private next = 0;

  constructor(private readonly conversations: (Conversation | undefined)[]) {}

  /** The next group, of at most `size` conversations; undefined when none are left. */
  take(size: number): Conversation[] | undefined {
    const group: Conversation[] = [];
    let bytes = 0;
    while (this.next < this.conversations.length && group.length < size) {
      const conversation = this.conversations[this.next]!;
      const conversationBytes = Buffer.byteLength(JSON.stringify(groupedConversation(conversation)));
      if (group.length > 0 && bytes + conversationBytes > MAX_GROUP_INPUT_BYTES) break;
      group.push(conversation);
      bytes += conversationBytes;
      this.conversations[this.next++] = undefined; // from here only its group holds it
    }
    return group.length > 0 ? group : undefined;
  }
}
