/**
 * What `submit` checks once the file is valid and before it starts anything, so that a batch that cannot work stops
 * at once with nothing half-done: the conversations the batch already holds must have the file's questions and
 * titles (their input hash, a memo on each workflow), and a worker must be able to use the Moveworks API.
 */
import type { Client } from '@temporalio/client';
import { isFatalApiProblem } from '../activities/api-check';
import { conversationWorkflowId } from '../common/names';
import { ApiCheckError, InputMismatchError } from '../common/errors';
import type { Conversation, QuestionRow } from './questions';
import { conversationInputHash, inputOfConversation, recordedInputHash } from './start';
import { API_CHECK_WAIT_MS, runApiCheck, taskQueuePollers, unpolledQueues } from './workers';
import { batchWorkflows } from './inspect';
import { groupHashes, groupIndexOf } from './groups';

interface ExistingWorkflow {
  workflowId: string;
  running: boolean;
  /** Undefined for a workflow started by an mwbatch older than the memo: it is trusted. */
  inputHash?: string;
}

/** What a batch already holds, as visibility lists it when `submit` starts. */
export interface ExistingBatch {
  /** Every workflow of the batch: attached to without a start or a check. */
  workflowIds: Set<string>;
  /** The group each grouped conversation is in, by conversation key (batch/groups.ts). */
  groupOf: Map<string, string>;
  /** The indexes of the batch's groups. */
  groupIndices: Set<number>;
}

/**
 * Every conversation of the batch that visibility lists, by conversation key (read from the workflow ID, or from
 * a group's memo), and the batch's groups. A conversation that continued as new is listed once per run; its runs
 * share the memo, and it runs while its latest run does.
 */
async function existingConversations(
  client: Client,
  batchId: string,
): Promise<{ conversations: Map<string, ExistingWorkflow>; groupIndices: Set<number> }> {
  const conversations = new Map<string, ExistingWorkflow>();
  const groupIndices = new Set<number>();
  const keyPrefix = conversationWorkflowId(batchId, '');
  const note = (key: string, workflowId: string, running: boolean, inputHash: string | undefined) => {
    const seen = conversations.get(key);
    conversations.set(key, {
      workflowId,
      running: (seen?.running ?? false) || running,
      inputHash: seen?.inputHash ?? inputHash,
    });
  };
  for await (const wf of batchWorkflows(client, batchId)) {
    const running = wf.status.name === 'RUNNING';
    const groupIndex = groupIndexOf(batchId, wf.workflowId);
    if (groupIndex !== undefined) {
      groupIndices.add(groupIndex);
      for (const [key, hash] of groupHashes(wf.memo)) note(key, wf.workflowId, running, hash);
    } else if (wf.workflowId.startsWith(keyPrefix)) {
      note(wf.workflowId.slice(keyPrefix.length), wf.workflowId, running, recordedInputHash(wf.memo));
    }
  }
  return { conversations, groupIndices };
}

const MAX_LISTED = 20;

/** `questions.csv:3 (id q2)`: a row as people find it in their file. */
export function rowLocation(path: string, row: Pick<QuestionRow, 'line' | 'rowId'>): string {
  return `${path}:${row.line} (id ${row.rowId})`;
}

/**
 * Refuses the file (InputMismatchError, exit 2) when a conversation of it already has a workflow in the batch with
 * other questions or another title, naming each such conversation by its first row. Returns what the batch holds.
 * Visibility is eventually consistent: startOrAttach and the group chain check again on meeting a workflow this
 * listing did not show.
 */
export async function checkInputsUnchanged(
  client: Client,
  source: { path: string; batchId: string },
  conversations: Conversation[],
): Promise<ExistingBatch> {
  const { path, batchId } = source;
  const { conversations: existing, groupIndices } = await existingConversations(client, batchId);
  const changed: { conversation: Conversation; workflowId: string; running: boolean }[] = [];
  for (const conversation of conversations) {
    const recorded = existing.get(conversation.key);
    if (recorded?.inputHash === undefined) continue;
    if (recorded.inputHash !== conversationInputHash(inputOfConversation(batchId, conversation))) {
      changed.push({ conversation, workflowId: recorded.workflowId, running: recorded.running });
    }
  }
  if (changed.length > 0) {
    const lines = changed.slice(0, MAX_LISTED).map(({ conversation, workflowId, running }) => {
      const row = rowLocation(path, conversation.rows[0]!);
      const state = running ? 'still running' : 'finished';
      return `${row}: its questions or title differ from those batch ${batchId} was submitted with (workflow ${workflowId}, ${state}, holds the old ones)`;
    });
    if (changed.length > MAX_LISTED) lines.push(`… and ${changed.length - MAX_LISTED} more`);
    lines.push(
      `${changed.length} conversation(s) changed under the same id; nothing was submitted. Submit the edited file with ` +
        'a new --batch (without --batch, the batch ID follows the file content).',
    );
    const running = changed.filter((c) => c.running).length;
    if (running > 0) {
      lines.push(
        `Still running with the old questions: ${running}; \`mwbatch cancel ${batchId}\` stops the batch if those answers are no longer wanted.`,
      );
    }
    throw new InputMismatchError(lines.join('\n'));
  }
  const groupOf = new Map<string, string>();
  for (const [key, { workflowId }] of existing)
    if (groupIndexOf(batchId, workflowId) !== undefined) groupOf.set(key, workflowId);
  return { workflowIds: new Set([...existing.values()].map((e) => e.workflowId)), groupOf, groupIndices };
}

/**
 * One Moveworks API call through a worker before the batch fans out. A host nobody answers on, a 401 or a 403 stops
 * the batch (ApiCheckError, exit 2, naming the variable). With no worker polling, or none answering in time, it
 * warns once and goes on: the workflows wait for workers, as they always did.
 */
export async function checkApiThroughWorker(
  client: Client,
  taskQueue: string,
  batchId: string,
  log: (line: string) => void,
): Promise<void> {
  const idle = unpolledQueues(taskQueue, await taskQueuePollers(client, taskQueue));
  if (idle.length > 0) {
    log(
      `warning: no worker polls task queue ${idle.join(' or ')} yet, so the Moveworks API was not checked; ` +
        'the batch waits for a worker (start one with `mwbatch worker`).',
    );
    return;
  }
  const result = await runApiCheck(client, taskQueue, batchId);
  if (result === undefined) {
    log(`warning: no worker answered the Moveworks API check within ${API_CHECK_WAIT_MS / 1000} s; going on.`);
    return;
  }
  if (result.ok) return;
  if (isFatalApiProblem(result)) {
    throw new ApiCheckError(
      result,
      "in the workers' environment and restart them (`mwbatch doctor` checks again); nothing was submitted.",
    );
  }
  log(`warning: Moveworks API check: ${result.message}; going on (failed calls are retried).`);
}
