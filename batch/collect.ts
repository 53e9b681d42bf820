/**
 * `mwbatch results BATCH`: rebuild the results folder from Temporal alone (no CSV needed): each finished
 * workflow's input and result become rows; rows already in the folder are left as they are.
 */
import type { Client } from '@temporalio/client';
import type { ConversationInput, ConversationResult } from '../common/types';
import type { QuestionRow } from './questions';
import type { ResultsWriter } from './results';
import { batchWorkflows, conversationInput } from './inspect';
import { statusCounts } from './progress';
import { isRetryWorkflow } from './retry';
import { recordFromWorkflowError, recordsFromResult } from './turn-records';

/** The rows a conversation workflow was asked, as far as Temporal knows them (pass-through columns are not kept). */
export function rowsOf(input: ConversationInput): QuestionRow[] {
  const { conversation, title } = input;
  return input.turns.map((turn) => ({ ...turn, line: turn.line ?? 0, conversation, title, extra: {} }));
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
    const rows = rowsOf(await conversationInput(client, wf.workflowId, wf.runId));
    const handle = client.workflow.getHandle<(i: ConversationInput) => Promise<ConversationResult>>(
      wf.workflowId,
      wf.runId,
    );
    let records;
    try {
      records = await recordsFromResult(client, rows, await handle.result(), wf.workflowId);
    } catch (err) {
      records = rows.map((row) => recordFromWorkflowError(row, err, wf.workflowId));
    }
    // A retry workflow's rows replace the earlier ones; an original never overwrites a later retry.
    const fresh = records.filter((r) => !results.has(r.rowId) || isRetryWorkflow(wf.workflowId));
    await results.append(fresh);
    collected += fresh.length;
  }
  return { byStatus: statusCounts(results.statuses()), running, collected };
}
