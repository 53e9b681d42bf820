/**
 * From a workflow's turn results (or its failure) to the result records written in the results files, and back
 * from a record to the row it answers (retry-failed asks that row again).
 */
import { CancelledFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { ConversationResult, TurnResult } from '../common/types';
import type { QuestionRow } from './questions';
import type { ResultRecord } from './results';
import { workflowInput } from './inspect';

/** The fields of a record that come from its row of the question file. */
type RowFields = Pick<ResultRecord, 'rowId' | 'line' | 'question' | 'conversation' | 'title' | 'callbackId' | 'extra'>;

function rowFields(row: QuestionRow): RowFields {
  return {
    rowId: row.rowId,
    line: row.line,
    question: row.question,
    conversation: row.conversation,
    title: row.title,
    ...(row.callbackId !== undefined && { callbackId: row.callbackId }),
    extra: row.extra,
  };
}

/** The row a record answers, to ask it again. */
export function rowOfRecord(record: ResultRecord): QuestionRow {
  return {
    line: record.line,
    rowId: record.rowId,
    question: record.question,
    conversation: record.conversation,
    title: record.title,
    ...(record.callbackId !== undefined && { callbackId: record.callbackId }),
    extra: record.extra,
  };
}

/**
 * The records of a conversation's rows from its workflow's result, one per row in row order. A turn result that
 * did not fit in the conversation's result is read back from the workflow that stores it.
 */
export async function recordsFromResult(
  client: Client,
  rows: QuestionRow[],
  result: ConversationResult,
  workflowId: string,
): Promise<ResultRecord[]> {
  const byRow = new Map(result.turns.map((turn) => [turn.rowId, turn]));
  const records: ResultRecord[] = [];
  for (const row of rows) {
    let turn = byRow.get(row.rowId);
    if (turn?.storedIn) turn = await workflowInput<TurnResult>(client, turn.storedIn);
    records.push(turn ? recordFromTurn(row, turn, workflowId) : recordFromWorkflowError(row, 'no result', workflowId));
  }
  return records;
}

/**
 * The records of the conversations one workflow asked (a conversation workflow: one; a group: several), from its
 * conversation results matched by key, in the order of `asked`.
 */
export async function recordsOfConversations(
  client: Client,
  asked: readonly { key: string; rows: QuestionRow[] }[],
  results: readonly ConversationResult[],
  workflowId: string,
): Promise<ResultRecord[]> {
  const byKey = new Map(results.map((result) => [result.conversationKey, result]));
  const records: ResultRecord[] = [];
  for (const { key, rows } of asked) {
    const result = byKey.get(key) ?? { batchId: '', conversationKey: key, turns: [] };
    records.push(...(await recordsFromResult(client, rows, result, workflowId)));
  }
  return records;
}

export function recordFromTurn(row: QuestionRow, turn: TurnResult, workflowId: string): ResultRecord {
  return {
    ...rowFields(row),
    status: turn.status,
    answer: turn.answer,
    citations: turn.citations,
    ...(turn.actions && { actions: turn.actions }),
    conversationId: turn.conversationId,
    responseId: turn.responseId,
    latencyMs: turn.latencyMs,
    attempts: turn.attempts,
    http429s: turn.http429s,
    errorCode: turn.errorCode,
    errorMessage: turn.errorMessage,
    rootUuid: turn.rootUuid,
    workflowId,
    finishedAt: new Date().toISOString(),
  };
}

/** A workflow that did not return a result (cancelled, terminated, failed) still yields one row per turn. */
export function recordFromWorkflowError(row: QuestionRow, err: unknown, workflowId: string): ResultRecord {
  const cancelled = err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure;
  const message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
  return {
    ...rowFields(row),
    status: cancelled ? 'CANCELLED' : 'ERROR',
    answer: '',
    citations: [],
    errorCode: cancelled ? 'CANCELLED' : 'WORKFLOW_FAILED',
    errorMessage: message,
    workflowId,
    finishedAt: new Date().toISOString(),
  };
}
