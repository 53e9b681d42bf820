/**
 * `mwbatch retry-failed BATCH`: re-ask only the rows whose last result is not COMPLETED, each conversation in a new
 * workflow `<batch>/<conversation key>/retry-<round>` (a question first asked in a group too). The round is derived from the results already recorded,
 * so an interrupted retry, run again, attaches to the same workflows instead of asking a third time. The rows are
 * asked again with the per-turn deadline and mode they were asked with, unless the caller gives others.
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { conversationWorkflowId } from '../common/names';
import { resolveTurnSettings, type TurnSettings } from '../common/types';
import { conversationInput } from './inspect';
import { groupIndexOf } from './groups';
import type { Conversation } from './questions';
import type { ResultRecord, ResultsWriter } from './results';
import { runBatch, type BatchRunOptions, type BatchRunSummary } from './submit';
import { rowOfRecord } from './turn-records';

const RETRY_SUFFIX = /\/retry-(\d+)$/;

function retryRound(workflowId: string): number {
  return Number(RETRY_SUFFIX.exec(workflowId)?.[1] ?? 0);
}

/**
 * The conversation key a record's row was asked under: conversationWorkflowId read backwards, or, for a question
 * asked in a group (always a lone row), its row id.
 */
function conversationKeyOf(batchId: string, record: ResultRecord): string {
  if (groupIndexOf(batchId, record.workflowId) !== undefined) return record.rowId;
  return record.workflowId.slice(conversationWorkflowId(batchId, '').length);
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
    const key = `${conversationKeyOf(batchId, record).replace(RETRY_SUFFIX, '')}/retry-${round}`;
    const group = groups.get(key) ?? { key, title: record.title, rows: [] };
    group.rows.push(rowOfRecord(record));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** gRPC NOT_FOUND: the workflow is gone (past the namespace's retention). */
const NOT_FOUND = 5;

/**
 * The per-turn deadline and mode the failed rows were asked with, from the input of the workflow that last asked
 * the first of them (one history event read): a batch is asked with one set of settings. Nothing when no row
 * failed, or when that workflow is no longer in Temporal.
 */
export async function settingsOfFailedRows(
  client: Client,
  results: ResultsWriter,
): Promise<Partial<Pick<TurnSettings, 'deadlineMs' | 'mode'>>> {
  for (const id of results.rowIds()) {
    if (results.status(id) === 'COMPLETED') continue;
    const record = results.get(id);
    if (record === undefined) continue;
    try {
      const { deadlineMs, mode } = await conversationInput(client, record.workflowId);
      return { deadlineMs, mode };
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) return {};
      throw err;
    }
  }
  return {};
}

export interface RetryOptions extends Omit<BatchRunOptions, 'needsAnswer'> {
  /** Told which settings the rows are asked with. */
  log?: (line: string) => void;
}

/** Asks the failed rows again; `deadlineMs` and `mode` left out are those the rows were asked with. */
export async function retryFailedRows(
  client: Client,
  results: ResultsWriter,
  options: RetryOptions,
): Promise<{ conversations: number; summary: BatchRunSummary }> {
  const conversations = retryConversations(options.batchId, results);
  const asked = conversations.length > 0 ? await settingsOfFailedRows(client, results) : {};
  const settings = resolveTurnSettings({
    deadlineMs: options.deadlineMs ?? asked.deadlineMs,
    mode: options.mode ?? asked.mode,
    poll: options.poll,
  });
  options.log?.(
    `asking ${conversations.length} conversation(s) again with a per-turn deadline of ${settings.deadlineMs / 1000}s ` +
      `in ${settings.mode} mode`,
  );
  const count = conversations.length; // runBatch empties the list
  const summary = await runBatch(client, conversations, results, {
    ...options,
    ...settings,
    needsAnswer: (rowId) => results.status(rowId) !== 'COMPLETED',
  });
  return { conversations: count, summary };
}
