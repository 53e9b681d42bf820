/**
 * retry-failed's choice of what to ask again (batch/retry.ts retryConversations), read from a results folder on
 * disk: only rows whose last result is not COMPLETED, grouped by the conversation they were asked in, in file
 * order, under workflow IDs of the next retry round.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conversationWorkflowId } from '../../common/names';
import type { TurnStatus } from '../../common/types';
import { ResultsWriter, type ResultRecord } from '../../batch/results';
import { retryConversations } from '../../batch/retry';

const BATCH = 'b-retry';
const COLUMNS = ['id', 'question', 'conversation', 'title', 'notes'];

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function record(rowId: string, line: number, status: TurnStatus, workflowKey: string, conversation?: string) {
  const result: ResultRecord = {
    rowId,
    line,
    question: `question ${rowId}?`,
    conversation,
    title: conversation ? `title of ${conversation}` : undefined,
    extra: { notes: `note ${rowId}` },
    status,
    answer: status === 'COMPLETED' ? `answer ${rowId}` : '',
    citations: [],
    workflowId: conversationWorkflowId(BATCH, workflowKey),
    finishedAt: '2025-01-01T00:00:00.000Z',
  };
  return result;
}

/** A results folder holding `appends` (in order), opened again from disk as retry-failed opens it. */
async function resultsFolder(...appends: ResultRecord[][]): Promise<ResultsWriter> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-retry-'));
  dirs.push(dir);
  const writer = await ResultsWriter.open(dir, COLUMNS);
  for (const records of appends) await writer.append(records);
  await writer.close();
  return ResultsWriter.open(dir, COLUMNS);
}

describe('retryConversations', () => {
  it('asks the failed rows of each conversation together, in file order, in retry round 1', async () => {
    const results = await resultsFolder([
      record('r1', 2, 'COMPLETED', 'c-k', 'k'),
      record('r5', 6, 'ERROR', 'r5'),
      record('r4', 5, 'TIMED_OUT', 'c-k', 'k'),
      record('r2', 3, 'FAILED', 'c-k', 'k'),
      record('r3', 4, 'CANCELLED', 'r3'),
    ]);
    try {
      const conversations = retryConversations(BATCH, results);
      expect(conversations.map((c) => conversationWorkflowId(BATCH, c.key))).toEqual([
        'b-retry/c-k/retry-1',
        'b-retry/r3/retry-1',
        'b-retry/r5/retry-1',
      ]);
      const [k, r3] = conversations;
      expect(k!.title).toBe('title of k');
      expect(k!.rows).toEqual([
        {
          line: 3,
          rowId: 'r2',
          question: 'question r2?',
          conversation: 'k',
          title: 'title of k',
          extra: { notes: 'note r2' },
        },
        {
          line: 5,
          rowId: 'r4',
          question: 'question r4?',
          conversation: 'k',
          title: 'title of k',
          extra: { notes: 'note r4' },
        },
      ]);
      expect(r3!.rows.map((row) => row.rowId)).toEqual(['r3']);
    } finally {
      await results.close();
    }
  });

  it('goes by the last result of each row, and moves to the round after the last one recorded', async () => {
    const results = await resultsFolder(
      [record('r1', 2, 'FAILED', 'r1'), record('r2', 3, 'FAILED', 'r2'), record('r3', 4, 'ERROR', 'r3')],
      // the first retry: r1 now answered, r2 failed again, r3 not retried yet
      [record('r1', 2, 'COMPLETED', 'r1/retry-1'), record('r2', 3, 'FAILED', 'r2/retry-1')],
    );
    try {
      const keys = retryConversations(BATCH, results).map((c) => c.key);
      expect(keys).toEqual(['r2/retry-2', 'r3/retry-2']);
      // Run again before anything new is recorded (an interrupted retry): the same workflows, so it attaches.
      expect(retryConversations(BATCH, results).map((c) => c.key)).toEqual(keys);
    } finally {
      await results.close();
    }
  });

  it('asks nothing when every row is COMPLETED', async () => {
    const results = await resultsFolder([record('r1', 2, 'COMPLETED', 'r1'), record('r2', 3, 'COMPLETED', 'c-k', 'k')]);
    try {
      expect(retryConversations(BATCH, results)).toEqual([]);
    } finally {
      await results.close();
    }
  });
});
