/**
 * `mwbatch results BATCH`: rebuild the results folder from Temporal alone (no CSV needed): each finished
 * workflow's input and result become rows (a group's, one conversation after another); rows already in the folder are left as they are.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { QUESTION_GROUP_WORKFLOW_TYPE } from '../common/names';
import type { ConversationInput, ConversationResult, QuestionGroupInput, QuestionGroupResult } from '../common/types';
import type { QuestionRow } from './questions';
import type { ResultRecord, ResultsWriter } from './results';
import { batchWorkflows, conversationInput, workflowInput } from './inspect';
import { statusCounts } from './progress';
import { isRetryWorkflow } from './retry';
import { recordFromWorkflowError, recordsFromResult, recordsOfConversations } from './turn-records';

/** The rows a conversation workflow was asked, as far as Temporal knows them (pass-through columns are not kept). */
export function rowsOf(input: Pick<ConversationInput, 'conversation' | 'title' | 'turns'>): QuestionRow[] {
  const { conversation, title } = input;
  return input.turns.map((turn) => ({ ...turn, line: turn.line ?? 0, conversation, title, extra: {} }));
}

/** The rows of a finished workflow of the batch, from its input, with their results (or its failure). */
async function recordsOfWorkflow(client: Client, wf: WorkflowExecutionInfo): Promise<ResultRecord[]> {
  const { workflowId, runId } = wf;
  const handle = client.workflow.getHandle(workflowId, runId);
  if (wf.type === QUESTION_GROUP_WORKFLOW_TYPE) {
    const input = await workflowInput<QuestionGroupInput>(client, workflowId, runId);
    const asked = input.conversations.map((c) => ({ key: c.conversationKey, rows: rowsOf(c) }));
    try {
      const { conversations } = (await handle.result()) as QuestionGroupResult;
      return await recordsOfConversations(client, asked, conversations, workflowId);
    } catch (err) {
      return asked.flatMap(({ rows }) => rows.map((row) => recordFromWorkflowError(row, err, workflowId)));
    }
  }
  const rows = rowsOf(await conversationInput(client, workflowId, runId));
  try {
    return await recordsFromResult(client, rows, (await handle.result()) as ConversationResult, workflowId);
  } catch (err) {
    return rows.map((row) => recordFromWorkflowError(row, err, workflowId));
  }
}

export interface CollectSummary {
  byStatus: Map<string, number>;
  running: number;
  collected: number;
}

export async function collectBatchResults(
  client: Client,
  batchId: string,
  results: ResultsWriter,
): Promise<CollectSummary> {
  let running = 0;
  let collected = 0;
  for await (const wf of batchWorkflows(client, batchId)) {
    if (wf.status.name === 'RUNNING') {
      running += 1;
      continue;
    }
    const records = await recordsOfWorkflow(client, wf);
    // A retry workflow's rows replace the earlier ones; an original never overwrites a later retry.
    const fresh = records.filter((r) => !results.has(r.rowId) || isRetryWorkflow(wf.workflowId));
    await results.append(fresh);
    collected += fresh.length;
  }
  return { byStatus: statusCounts(results.statuses()), running, collected };
}
