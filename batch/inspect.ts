/**
 * Looking at a batch after the fact, through Temporal visibility: status counts, listing, cancelling, and
 * reading each workflow's input and result back without the original CSV.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { BATCH_ID, CANCELLED_MEMO, CONVERSATION_WORKFLOW_TYPE } from '../common/names';
import type { ConversationInput } from '../common/types';
import { batchQuery } from './batch-id';
import { countStatus } from './progress';

export async function* batchWorkflows(
  client: Client,
  batchId: string,
  filter = '',
): AsyncIterable<WorkflowExecutionInfo> {
  yield* client.workflow.list({ query: `${batchQuery(batchId)}${filter ? ` AND ${filter}` : ''}` });
}

/**
 * Workflows of the batch per execution status (Running, Completed, Canceled, …). A conversation that was
 * cancelled and returned the answers it had completes in Temporal's eyes; its memo says CANCELLED.
 */
export async function batchStatusCounts(client: Client, batchId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const wf of batchWorkflows(client, batchId)) {
    countStatus(counts, wf.memo?.[CANCELLED_MEMO] === true ? 'CANCELLED' : wf.status.name);
  }
  return counts;
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

export interface BatchSummaryLine {
  batchId: string;
  workflows: number;
  running: number;
  firstStart: Date;
}

/** Recent batches: the distinct BatchId values among the most recent conversation workflows. */
export async function recentBatches(client: Client, scan = 2_000): Promise<BatchSummaryLine[]> {
  const batches = new Map<string, BatchSummaryLine>();
  let seen = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowType="${CONVERSATION_WORKFLOW_TYPE}"` })) {
    const batchId = wf.typedSearchAttributes.get(BATCH_ID);
    if (batchId) {
      const line = batches.get(batchId) ?? { batchId, workflows: 0, running: 0, firstStart: wf.startTime };
      line.workflows += 1;
      if (wf.status.name === 'RUNNING') line.running += 1;
      if (wf.startTime < line.firstStart) line.firstStart = wf.startTime;
      batches.set(batchId, line);
    }
    if (++seen >= scan) break;
  }
  return [...batches.values()].sort((a, b) => b.firstStart.getTime() - a.firstStart.getTime());
}
