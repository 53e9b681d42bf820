/**
 * A batch with a row that failed and was retried, read back by `retry-failed` and by `results` (batch/retry.ts
 * retryFailedRows, batch/collect.ts collectBatchResults): retry-failed asks only the failed row again; collecting
 * from Temporal lets a retry workflow's row replace the original's, and never lets an original overwrite a later
 * retry. Real Temporal, the simulator over real HTTP, real results folders.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollSchedule } from '../../common/types';
import { collectBatchResults } from '../../batch/collect';
import { batchStatusCounts } from '../../batch/inspect';
import { groupConversations, type QuestionRow } from '../../batch/questions';
import { ResultsWriter } from '../../batch/results';
import { retryFailedRows } from '../../batch/retry';
import { runBatch } from '../../batch/submit';
import { expectedAnswer } from '../../simulator';
import { readResultsCsv } from '../helpers/batch';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const COLUMNS = ['id', 'question', 'notes'];
const fastPoll: PollSchedule = { firstDelayMs: 100, factor: 1.5, maxDelayMs: 500 };
/** Answered after 3 s: past the original run's 0.5 s deadline (TIMED_OUT), within the retry's. */
const SLOW = 'How long is the notice period? [sim:delay=3000]';
const QUICK = 'Where is the holiday calendar?';
const rows: QuestionRow[] = [
  { line: 2, rowId: 'slow', question: SLOW, extra: { notes: 'first' } },
  { line: 3, rowId: 'quick', question: QUICK, extra: { notes: 'second' } },
];

let stack: TestStack;
let root: string;
const batchId = `collect-${randomUUID().slice(0, 8)}`;
/** The results folder of the batch: submitted, then retried. */
let submitted: string;
/** A copy of that folder as it was before the retry. */
let beforeRetry: string;
let retried: Awaited<ReturnType<typeof retryFailedRows>>;

async function withResults<T>(dir: string, use: (results: ResultsWriter) => Promise<T>): Promise<T> {
  const results = await ResultsWriter.open(dir, COLUMNS);
  try {
    const value = await use(results);
    await results.finalize();
    return value;
  } finally {
    await results.close();
  }
}

const options = () => ({ batchId, taskQueue: stack.taskQueue, concurrency: 4, poll: fastPoll, wait: true });

beforeAll(async () => {
  stack = await startTestStack({ simulator: { answerDelayMs: 50 } });
  root = await mkdtemp(join(tmpdir(), 'mwbatch-collect-'));
  submitted = join(root, 'submitted');
  beforeRetry = join(root, 'before-retry');
  await withResults(submitted, (results) =>
    runBatch(stack.client, groupConversations(rows), results, { ...options(), deadlineMs: 500 }),
  );
  await cp(submitted, beforeRetry, { recursive: true });
  // A longer deadline than the original's, given: by default a retry keeps the deadline the batch was asked with.
  retried = await withResults(submitted, (results) =>
    retryFailedRows(stack.client, results, { ...options(), deadlineMs: 30_000 }),
  );
  // `results` reads the batch through visibility: wait until it lists every workflow closed.
  await waitFor('the batch listed closed', async () => {
    const counts = await batchStatusCounts(stack.client, batchId);
    return counts.get('COMPLETED') === 3 && counts.size === 1;
  });
});
afterAll(async () => {
  await stack?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const byId = (dir: string) => new Map(readResultsCsv(dir).map((row) => [row.id, row]));

describe('retryFailedRows', () => {
  it('asks only the row that did not complete again, and records its answer', async () => {
    const before = byId(beforeRetry);
    expect([before.get('slow')?.status, before.get('quick')?.status]).toEqual(['TIMED_OUT', 'COMPLETED']);
    expect(retried.conversations).toBe(1);
    const after = byId(submitted);
    expect(after.get('slow')).toMatchObject({
      status: 'COMPLETED',
      answer: expectedAnswer(SLOW),
      notes: 'first',
      workflow_id: `${batchId}/slow/retry-1`,
    });
    expect(after.get('quick')).toMatchObject({ status: 'COMPLETED', workflow_id: `${batchId}/quick` });
    const asked = stack.sim.stats().submissionsByQuestion;
    expect([asked[SLOW], asked[QUICK]]).toEqual([2, 1]);
  });
});

describe('collectBatchResults', () => {
  it('rebuilds a results folder from Temporal alone with the retry row in place of the original', async () => {
    const fresh = join(root, 'fresh');
    const summary = await withResults(fresh, (results) => collectBatchResults(stack.client, batchId, results));
    expect(summary.running).toBe(0);
    expect([...summary.byStatus]).toEqual([['COMPLETED', 2]]);
    const collected = byId(fresh);
    expect(collected.get('slow')).toMatchObject({
      question: SLOW,
      status: 'COMPLETED',
      answer: expectedAnswer(SLOW),
      workflow_id: `${batchId}/slow/retry-1`,
    });
    expect(collected.get('quick')).toMatchObject({ status: 'COMPLETED', workflow_id: `${batchId}/quick` });
  });

  it("replaces a row recorded from the original workflow with the retry workflow's row", async () => {
    await withResults(beforeRetry, (results) => collectBatchResults(stack.client, batchId, results));
    const rows = byId(beforeRetry);
    expect(rows.get('slow')).toMatchObject({
      status: 'COMPLETED',
      answer: expectedAnswer(SLOW),
      workflow_id: `${batchId}/slow/retry-1`,
    });
    expect(rows.get('quick')).toMatchObject({ notes: 'second', workflow_id: `${batchId}/quick` });
  });

  it('never lets the original workflow overwrite a row recorded from a later retry', async () => {
    const summary = await withResults(submitted, (results) => collectBatchResults(stack.client, batchId, results));
    expect([...summary.byStatus]).toEqual([['COMPLETED', 2]]);
    const rows = byId(submitted);
    expect(rows.get('slow')).toMatchObject({ status: 'COMPLETED', workflow_id: `${batchId}/slow/retry-1` });
    expect(rows.get('quick')).toMatchObject({ notes: 'second' }); // left as submit wrote it
  });
});
