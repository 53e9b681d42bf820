/**
 * `mwbatch results BATCH`: rebuild the results folder from Temporal alone (no CSV needed): each finished
 * workflow's input and result become rows; rows already in the folder are left as they are.
 */
import type { Client } from '@temporalio/client';
import type { ConversationInput, ConversationResult } from '../common/types';
import type { QuestionRow } from './questions';
import type { ResultsWriter } from './results';
import { batchWorkflows, conversationInput } from './inspect';
import { recordFromWorkflowError, recordsFromResult } from './records';

/** The rows a conversation workflow was asked, as far as Temporal knows them (pass-through columns are not kept). */
export function rowsOf(input: ConversationInput): QuestionRow[] {
  return input.turns.map((turn) => ({
    line: turn.line ?? 0,
    id: turn.rowId,
    question: turn.question,
    conversation: input.conversation,
    title: input.title,
    extra: {},
  }));
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
  const summary: CollectSummary = { byStatus: new Map(), running: 0, collected: 0 };
  for await (const wf of batchWorkflows(client, batchId)) {
    if (wf.status.name === 'RUNNING') {
      summary.running += 1;
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
    const fresh = records.filter((r) => !results.has(r.rowId) || wf.workflowId.includes('/retry-'));
    await results.append(fresh);
    summary.collected += fresh.length;
  }
  for (const id of results.rowIds()) {
    const status = results.status(id) ?? 'UNKNOWN';
    summary.byStatus.set(status, (summary.byStatus.get(status) ?? 0) + 1);
  }
  return summary;
}
