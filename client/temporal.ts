/** Connecting the CLI to Temporal, and starting or attaching to conversation workflows idempotently. */
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { loadDataConverter } from '../config/encryption';
import { UnreachableTemporalError } from '../config/errors';
import type { TemporalSettings } from '../config/temporal';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE, conversationWorkflowId } from '../common/names';
import type { ConversationInput } from '../common/types';
import type { conversationWorkflow } from '../workflows';

export type ConversationHandle = WorkflowHandle<typeof conversationWorkflow>;

/** A client for the CLI; with MWBATCH_ENCRYPTION_KEY(_FILE) set it encrypts and decrypts like the workers. */
export async function connectClient(settings: TemporalSettings, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const dataConverter = loadDataConverter(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...settings.connection, connectTimeout: 5_000 });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    throw new UnreachableTemporalError(settings.address, err);
  }
  return new Client({ connection, namespace: settings.namespace, dataConverter });
}

/**
 * Start the conversation's workflow, or attach to it when it already runs or has completed: the ID is derived
 * from the batch and conversation key, a running one is reused and a completed one is never run again, so
 * submitting the same batch twice never asks twice.
 */
export async function startOrAttach(
  client: Client,
  taskQueue: string,
  input: ConversationInput,
): Promise<{ handle: ConversationHandle; started: boolean }> {
  const workflowId = conversationWorkflowId(input.batchId, input.conversationKey);
  try {
    const handle = await client.workflow.start<typeof conversationWorkflow>(CONVERSATION_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: BATCH_ID, value: input.batchId }],
    });
    return { handle, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<typeof conversationWorkflow>(workflowId), started: false };
  }
}
