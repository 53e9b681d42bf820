/**
 * Looking at a batch after the fact, through Temporal visibility: workflow counts per status (the server counts
 * them: no listing, no cap), recent batches, cancelling, and reading each workflow's input back without the
 * original CSV; and the answers per status, from a results folder.
 */
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE, QUESTION_GROUP_WORKFLOW_TYPE } from '../common/names';
import type { ConversationInput } from '../common/types';
import { batchQuery } from './batch-id';
import { statusCounts } from './progress';
import { JOURNAL_FILE, parseRecord } from './results';
import { fileSize, journalLines } from './results/journal';

export async function* batchWorkflows(
  client: Client,
  batchId: string,
  filter = '',
): AsyncIterable<WorkflowExecutionInfo> {
  yield* client.workflow.list({ query: `${batchQuery(batchId)}${filter ? ` AND ${filter}` : ''}` });
}

/** Visibility's ExecutionStatus values, named as the SDK names them (`WorkflowExecutionStatusName`). */
const STATUS_NAMES: Record<string, string> = {
  Running: 'RUNNING',
  Completed: 'COMPLETED',
  Failed: 'FAILED',
  Canceled: 'CANCELLED',
  Terminated: 'TERMINATED',
  TimedOut: 'TIMED_OUT',
  Paused: 'PAUSED',
};

/**
 * Workflows matching `query` per execution status, counted by the server (`CountWorkflowExecutions` with
 * `GROUP BY ExecutionStatus`): one call, whatever the size of the batch. A run that continued as new is left out:
 * its conversation goes on in the next run, counted once.
 */
export async function workflowStatusCounts(client: Client, query: string): Promise<Map<string, number>> {
  const { groups } = await client.workflow.count(
    `${query} AND ExecutionStatus != "ContinuedAsNew" GROUP BY ExecutionStatus`,
  );
  const counts = new Map<string, number>();
  for (const { count, groupValues } of groups) {
    const value = String([groupValues[0]].flat()[0]); // a Keyword comes back as a one-element list
    counts.set(STATUS_NAMES[value] ?? value.toUpperCase(), count);
  }
  return counts;
}

/**
 * The conversations of a batch per workflow status. These are Temporal's statuses: a conversation that was
 * cancelled and returned the answers it had is COMPLETED here (its rows are CANCELLED in the answers).
 */
export function batchStatusCounts(client: Client, batchId: string): Promise<Map<string, number>> {
  return workflowStatusCounts(client, batchQuery(batchId));
}

/**
 * Rows per answer status (COMPLETED, FAILED, TIMED_OUT, ERROR, CANCELLED) in a results folder: the last result
 * of each row in its results.jsonl, read without changing the folder. Undefined when the folder holds no journal.
 */
export async function answerStatusCounts(dir: string): Promise<Map<string, number> | undefined> {
  const path = join(dir, JOURNAL_FILE);
  if ((await fileSize(path)) === undefined) return undefined;
  const lastStatus = new Map<string, string>();
  for await (const line of journalLines(path)) {
    const record = line.complete ? parseRecord(line.text) : undefined; // a torn last line is not a result yet
    if (record) lastStatus.set(record.rowId, record.status);
  }
  return statusCounts(lastStatus.values());
}

export async function cancelBatch(client: Client, batchId: string): Promise<number> {
  let cancelled = 0;
  for await (const wf of batchWorkflows(client, batchId, 'ExecutionStatus="Running"')) {
    try {
      await client.workflow.getHandle(wf.workflowId, wf.runId).cancel();
      cancelled += 1;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // finished meanwhile
    }
  }
  return cancelled;
}

/**
 * The input a workflow was started with, read from the first event of its history (only that event: a page of a
 * long history can pass the 4 MB a gRPC reply may carry).
 */
export async function workflowInput<T>(client: Client, workflowId: string, runId?: string): Promise<T> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  return decodeFromPayloadsAtIndex<T>(client.options.loadedDataConverter, 0, started?.input?.payloads);
}

/** The conversation a workflow was started with. */
export function conversationInput(client: Client, workflowId: string, runId?: string): Promise<ConversationInput> {
  return workflowInput<ConversationInput>(client, workflowId, runId);
}

export interface BatchOverview {
  batchId: string;
  /** Its conversations per workflow status, counted by the server. */
  workflows: Map<string, number>;
  /** The close time of its latest finished conversation, or the start of its latest one while some run. */
  lastActivity: Date;
}

/** The first workflow visibility lists for `query`, in its own order: running ones first, then latest closed. */
async function firstWorkflow(client: Client, query: string): Promise<WorkflowExecutionInfo | undefined> {
  for await (const wf of client.workflow.list({ query, pageSize: 1 })) return wf;
  return undefined;
}

/**
 * The `limit` most recent batches, in visibility's order: those with running conversations first, then by their
 * latest finished conversation. Each batch is found by listing one conversation workflow whose BatchId is none of
 * those already found, then counted by the server: two calls per batch, however many workflows the batches hold.
 */
export async function recentBatches(client: Client, limit: number): Promise<BatchOverview[]> {
  const batches: BatchOverview[] = [];
  while (batches.length < limit) {
    const found = batches.map((b) => `"${b.batchId}"`).join(', ');
    const wf = await firstWorkflow(
      client,
      `WorkflowType IN ("${CONVERSATION_WORKFLOW_TYPE}", "${QUESTION_GROUP_WORKFLOW_TYPE}") AND BatchId IS NOT NULL` +
        (found ? ` AND BatchId NOT IN (${found})` : ''),
    );
    const batchId = wf?.typedSearchAttributes.get(BATCH_ID);
    if (!wf || !batchId) break;
    const workflows = await batchStatusCounts(client, batchId);
    batches.push({ batchId, workflows, lastActivity: wf.closeTime ?? wf.startTime });
  }
  return batches;
}
