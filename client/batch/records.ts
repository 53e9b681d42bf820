/** From a workflow's per-turn result (or its failure) to the row written in the results files. */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TurnResult } from '../../common/types';
import type { QuestionRow } from '../csv';
import type { ResultRecord } from '../results';

export function recordFromTurn(row: QuestionRow, turn: TurnResult, workflowId: string): ResultRecord {
  return {
    rowId: row.id,
    line: row.line,
    question: row.question,
    conversation: row.conversation,
    title: row.title,
    extra: row.extra,
    status: turn.status,
    answer: turn.answer,
    citations: turn.citations,
    conversationId: turn.conversationId,
    responseId: turn.responseId,
    latencyMs: turn.latencyMs,
    attempts: turn.attempts,
    errorCode: turn.errorCode,
    errorMessage: turn.errorMessage,
    rootUuid: turn.rootUuid,
    workflowId,
    outputs: turn.outputs,
    finishedAt: new Date().toISOString(),
  };
}

/** A workflow that did not return a result (cancelled, terminated, failed) still yields one row per turn. */
export function recordFromWorkflowError(row: QuestionRow, err: unknown, workflowId: string): ResultRecord {
  const cancelled = err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure;
  const message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
  return {
    rowId: row.id,
    line: row.line,
    question: row.question,
    conversation: row.conversation,
    title: row.title,
    extra: row.extra,
    status: cancelled ? 'CANCELLED' : 'ERROR',
    answer: '',
    citations: [],
    errorCode: cancelled ? 'CANCELLED' : 'WORKFLOW_FAILED',
    errorMessage: message,
    workflowId,
    finishedAt: new Date().toISOString(),
  };
}
