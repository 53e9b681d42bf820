/**
 * From a conversation workflow's turn results to the rows of results.csv (batch/turn-records.ts): answers with their
 * input cells, a turn result stored in its own workflow read back whole, and the rows of a workflow that ended
 * without a result (terminated: ERROR, cancelled: CANCELLED). Real Temporal, the simulator over real HTTP, real files.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PollSchedule } from '../../common/types';
import { conversationKey, type QuestionRow } from '../../batch/questions';
import { ResultsWriter, type ResultRecord } from '../../batch/results';
import { inputOfConversation, startOrAttach } from '../../batch/start';
import { recordFromWorkflowError, recordsFromResult } from '../../batch/turn-records';
import { expectedAnswer } from '../../simulator';
import { citationSpecs } from '../../simulator/answers';
import { readResultsCsv } from '../helpers/batch';
import { startTestStack, type TestStack } from '../helpers/stack';

const fastPoll: PollSchedule = { firstDelayMs: 100, factor: 1.5, maxDelayMs: 500 };
const COLUMNS = ['id', 'question', 'conversation', 'title', 'notes'];

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ simulator: { answerDelayMs: 50 } });
});
afterAll(async () => stack?.close());

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** results.csv as a user opens it, after `records` were written to a fresh results folder. */
async function writtenRows(records: ResultRecord[]): Promise<Record<string, string>[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-records-'));
  dirs.push(dir);
  const results = await ResultsWriter.open(dir, COLUMNS);
  try {
    await results.append(records);
  } finally {
    await results.close();
  }
  return readResultsCsv(dir);
}

function row(rowId: string, line: number, question: string, extra: Partial<QuestionRow> = {}): QuestionRow {
  return { rowId, line, question, conversation: 'k', title: 'IT help', extra: { notes: `note ${rowId}` }, ...extra };
}

describe('recordsFromResult', () => {
  it('writes one row per question with its input cells, reading a stored turn result back whole', async () => {
    const rows = [
      row('r1', 2, 'Where do I find the VPN address?'),
      row('r2', 3, 'Tell me everything about onboarding [sim:size=300000]'),
      row('r3', 4, 'Break this one [sim:fail]'),
    ];
    const batchId = `records-${randomUUID().slice(0, 8)}`;
    const conversation = { key: conversationKey('k'), title: 'IT help', rows };
    const { handle } = await startOrAttach(
      stack.client,
      stack.taskQueue,
      inputOfConversation(batchId, conversation, { poll: fastPoll }),
    );
    const result = await handle.result();
    // The long answer did not fit in the conversation's result: it is kept in a workflow of its own.
    expect(result.turns[1]?.storedIn).toBeTruthy();
    expect(result.turns[1]?.answer).toBe('');

    // A row the workflow has no result for (not one of its turns) still gets a row.
    const missing = row('r4', 5, 'Not asked in this workflow');
    const csv = await writtenRows(await recordsFromResult(stack.client, [...rows, missing], result, handle.workflowId));

    expect(csv.map((r) => [r.id, r.status])).toEqual([
      ['r1', 'COMPLETED'],
      ['r2', 'COMPLETED'],
      ['r3', 'FAILED'],
      ['r4', 'ERROR'],
    ]);
    const [r1, r2, r3, r4] = csv;
    expect(r1).toMatchObject({
      question: rows[0]!.question,
      conversation: 'k',
      title: 'IT help',
      notes: 'note r1',
      answer: expectedAnswer(rows[0]!.question),
      citations: citationSpecs(rows[0]!.question)
        .map((c) => c.url)
        .join(' | '),
      workflow_id: handle.workflowId,
    });
    expect(r1!.conversation_id).toBe(result.conversationId);
    expect(r2!.answer === expectedAnswer(rows[1]!.question), 'the stored answer, whole').toBe(true);
    expect(r2!.citations).toBe(
      citationSpecs(rows[1]!.question)
        .map((c) => c.url)
        .join(' | '),
    );
    expect(r3).toMatchObject({ notes: 'note r3', answer: '' });
    expect(r4).toMatchObject({
      notes: 'note r4',
      answer: '',
      error_code: 'WORKFLOW_FAILED',
      error_message: 'no result',
      workflow_id: handle.workflowId,
    });
  });
});

describe('recordFromWorkflowError', () => {
  it('gives every row of a terminated workflow an ERROR row carrying the reason', async () => {
    const rows = [row('t1', 2, 'First of two [sim:never]'), row('t2', 3, 'Second of two')];
    const batchId = `records-${randomUUID().slice(0, 8)}`;
    const { handle } = await startOrAttach(
      stack.client,
      stack.taskQueue,
      inputOfConversation(batchId, { key: conversationKey('k'), title: 'IT help', rows }, { poll: fastPoll }),
    );
    await handle.terminate('stopped by an operator');
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);

    const csv = await writtenRows(rows.map((r) => recordFromWorkflowError(r, err, handle.workflowId)));
    expect(csv).toEqual([
      expect.objectContaining({ id: 't1', notes: 'note t1', status: 'ERROR', error_code: 'WORKFLOW_FAILED' }),
      expect.objectContaining({ id: 't2', notes: 'note t2', status: 'ERROR', error_code: 'WORKFLOW_FAILED' }),
    ]);
    expect(csv[0]!.error_message).toBe('stopped by an operator');
    expect(csv[0]!.workflow_id).toBe(handle.workflowId);
  });

  it('gives every row of a cancelled workflow a CANCELLED row', async () => {
    // What handle.result() throws for a workflow that ended cancelled (one started by an mwbatch from before
    // cancelled conversations returned their answers): built as the SDK builds it.
    const err = new WorkflowFailedError(
      'Workflow execution cancelled',
      new CancelledFailure('Workflow canceled'),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    const csv = await writtenRows([recordFromWorkflowError(row('c1', 2, 'A question'), err, 'b-x/c-k')]);
    expect(csv).toEqual([
      expect.objectContaining({
        id: 'c1',
        question: 'A question',
        status: 'CANCELLED',
        answer: '',
        error_code: 'CANCELLED',
        error_message: 'Workflow canceled',
        workflow_id: 'b-x/c-k',
      }),
    ]);
  });
});
