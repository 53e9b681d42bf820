/** Connecting the CLI to Temporal, and starting or attaching to conversation workflows idempotently. */
import { createHash } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { loadDataConverter } from '../codec/data-converter';
import { InputMismatchError, UnreachableTemporalError } from '../common/errors';
import type { TemporalSettings } from '../config/temporal';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE, conversationWorkflowId } from '../common/names';
import { STARTER_FLAGS, type ConversationInput } from '../common/types';
import type { Conversation } from './questions';
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
 * Start a workflow under an ID that is never started twice, running or closed (the ID names what it asks), or
 * return undefined when that ID already has a workflow. FAIL (not USE_EXISTING) for a running one, so that every
 * attach is seen by the caller and checked. Every workflow `submit` starts goes through here.
 */
export async function startOnce<T extends Workflow>(
  client: Client,
  workflowType: string,
  options: WorkflowStartOptions<T>,
): Promise<WorkflowHandle<T> | undefined> {
  try {
    return await client.workflow.start<T>(workflowType, {
      ...options,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}

/** The workflow input of one conversation of a file, as `submit` starts it. */
export function inputOfConversation(
  batchId: string,
  conversation: Conversation,
  options: Pick<ConversationInput, 'deadlineMs' | 'poll' | 'mode'> = {},
): ConversationInput {
  return {
    batchId,
    conversationKey: conversation.key,
    conversation: conversation.rows[0]?.conversation,
    title: conversation.title,
    turns: conversation.rows.map(({ rowId, question, line, callbackId }) => ({
      rowId,
      question,
      line,
      ...(callbackId !== undefined && { callbackId }),
    })),
    ...options,
    ...STARTER_FLAGS,
  };
}

/** The memo field holding conversationInputHash on every conversation workflow this version starts. */
export const INPUT_HASH_MEMO = 'inputHash';

/**
 * What makes two submissions the same conversation: the title and each turn's row id and question (and the button
 * it presses), in order. Not
 * the options (mode, deadline, poll schedule) nor the rows' lines: a re-run with other options, or with rows moved
 * in the file, still attaches.
 */
export function conversationInputHash(input: Pick<ConversationInput, 'title' | 'turns'>): string {
  const canonical = JSON.stringify({
    title: input.title ?? null,
    // A turn without a button keeps the pair it always had: the hashes of existing workflows stay valid.
    turns: input.turns.map((turn) =>
      turn.callbackId === undefined ? [turn.rowId, turn.question] : [turn.rowId, turn.question, turn.callbackId],
    ),
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The hash an existing workflow was started with; undefined for workflows started before the memo existed. */
export function recordedInputHash(memo: Record<string, unknown> | undefined): string | undefined {
  const value = memo?.[INPUT_HASH_MEMO];
  return typeof value === 'string' ? value : undefined;
}

/** "line 3 (id q2)": the row a conversation starts with, as people find it in their file. */
export function firstRowOf(input: Pick<ConversationInput, 'turns'>): string {
  const first = input.turns[0];
  return `line ${first?.line ?? '?'} (id ${first?.rowId ?? '?'})`;
}

/**
 * Start the conversation's workflow, or attach to it when it already runs or has completed: the ID is derived
 * from the batch and conversation key, an existing one (running or closed) is never started again, so submitting
 * the same batch twice never asks twice. Attaching first compares the input hash recorded on the workflow: a
 * conversation whose questions or title changed under the same ID is refused (InputMismatchError), not answered
 * with the old answers. `submit` checks the whole batch up front (batch/preflight.ts): a workflow it already
 * compared (`checked`) is attached to at once, with no start and no describe; the check here is the backstop for
 * workflows visibility did not list yet.
 */
export async function startOrAttach(
  client: Client,
  taskQueue: string,
  input: ConversationInput,
  { checked = false }: { checked?: boolean } = {},
): Promise<{ handle: ConversationHandle; started: boolean }> {
  const workflowId = conversationWorkflowId(input.batchId, input.conversationKey);
  if (checked) return { handle: client.workflow.getHandle<typeof conversationWorkflow>(workflowId), started: false };
  const inputHash = conversationInputHash(input);
  const started = await startOnce<typeof conversationWorkflow>(client, CONVERSATION_WORKFLOW_TYPE, {
    taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: [{ key: BATCH_ID, value: input.batchId }],
    memo: { [INPUT_HASH_MEMO]: inputHash },
  });
  if (started) return { handle: started, started: true };
  const handle = client.workflow.getHandle<typeof conversationWorkflow>(workflowId);
  const existing = await handle.describe();
  const recorded = recordedInputHash(existing.memo);
  if (recorded !== undefined && recorded !== inputHash) {
    throw new InputMismatchError(
      `${firstRowOf(input)}: batch ${input.batchId} already holds this conversation (workflow ${workflowId}) with ` +
        'other questions or another title; attaching would return the old answers. Submit the edited file with a new --batch.',
    );
  }
  return { handle, started: false };
}
