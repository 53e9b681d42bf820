/**
 * `mwbatch retry-failed BATCH`: re-ask only the rows whose last result is not COMPLETED, each group in a new
 * workflow `<batch>/<conversation key>/retry-<round>`. The round is derived from the results already recorded,
 * so an interrupted retry, run again, attaches to the same workflows instead of asking a third time.
 */
import type { Client } from '@temporalio/client';
import type { Conversation, QuestionRow } from './questions';
import type { ResultRecord, ResultsWriter } from './results';
import { runBatch, type BatchRunOptions, type BatchRunSummary } from './submit';

const RETRY_SUFFIX = /\/retry-(\d+)$/;

function retryRound(workflowId: string): number {
  return Number(RETRY_SUFFIX.exec(workflowId)?.[1] ?? 0);
}

function rowOf(record: ResultRecord): QuestionRow {
  return {
    line: record.line,
    id: record.rowId,
    question: record.question,
    conversation: record.conversation,
    title: record.title,
    extra: record.extra,
  };
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
    const baseKey = record.workflowId.slice(batchId.length + 1).replace(RETRY_SUFFIX, '');
    const key = `${baseKey}/retry-${round}`;
    const group = groups.get(key) ?? { key, title: record.title, rows: [] };
    group.rows.push(rowOf(record));
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
