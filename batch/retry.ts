/**
 * `mwbatch retry-failed BATCH`: re-ask only the rows whose last result is not COMPLETED, each group in a new
 * workflow `<batch>/<conversation key>/retry-<round>`. The round is derived from the results already recorded,
 * so an interrupted retry, run again, attaches to the same workflows instead of asking a third time.
 */
import type { Client } from '@temporalio/client';
import { conversationWorkflowId } from '../common/names';
import type { Conversation } from './questions';
import type { ResultRecord, ResultsWriter } from './results';
import { runBatch, type BatchRunOptions, type BatchRunSummary } from './submit';
import { rowOfRecord } from './turn-records';

const RETRY_SUFFIX = /\/retry-(\d+)$/;

function retryRound(workflowId: string): number {
  return Number(RETRY_SUFFIX.exec(workflowId)?.[1] ?? 0);
}

/** The conversation key a workflow of this batch was started with: conversationWorkflowId read backwards. */
function conversationKeyOf(batchId: string, workflowId: string): string {
  return workflowId.slice(conversationWorkflowId(batchId, '').length);
}

/** A workflow of retry-failed: its rows are newer than those of the batch's original workflow. */
export function isRetryWorkflow(workflowId: string): boolean {
  return retryRound(workflowId) > 0;
}

/** Failed rows grouped by the conversation they were asked in, in file order, keyed for the next retry round. */
export function retryConversations(batchId: string, results: ResultsWriter): Conversation[] {
  const failed: ResultRecord[] = [];
  for (const id of results.rowIds()) {
    if (results.status(id) === 'COMPLETED') continue;
    const record = results.get(id);
    if (record) failed.push(record);
  }
  const round = 1 + Math.max(0, ...failed.map((r) => retryRound(r.workflowId)));
  const groups = new Map<string, Conversation>();
  for (const record of failed.sort((a, b) => a.line - b.line)) {
    const key = `${conversationKeyOf(batchId, record.workflowId).replace(RETRY_SUFFIX, '')}/retry-${round}`;
    const group = groups.get(key) ?? { key, title: record.title, rows: [] };
    group.rows.push(rowOfRecord(record));
    groups.set(key, group);
  }
  return [...groups.values()];
}

export async function retryFailedRows(
  client: Client,
  results: ResultsWriter,
  options: Omit<BatchRunOptions, 'needsAnswer'>,
): Promise<{ conversations: number; summary: BatchRunSummary }> {
  const conversations = retryConversations(options.batchId, results);
  const summary = await runBatch(client, conversations, results, {
    ...options,
    needsAnswer: (rowId) => results.status(rowId) !== 'COMPLETED',
  });
  return { conversations: conversations.length, summary };
}
