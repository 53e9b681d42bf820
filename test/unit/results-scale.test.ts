import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultsWriter, type ResultRecord } from '../../batch/results';
import type { TurnStatus } from '../../common/types';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const ROWS = 10_000;
const answer = 'An answer of a few kilobytes. '.repeat(100);

function record(i: number, status: TurnStatus): ResultRecord {
  return {
    rowId: `q-${i}`,
    line: i + 2,
    question: `Question number ${i}?`,
    extra: {},
    status,
    answer,
    citations: [{ url: `https://kb.example/${i}` }],
    workflowId: `b-1/q-${i}`,
    finishedAt: new Date(0).toISOString(),
  };
}

describe('ResultsWriter at scale', () => {
  it('appends 10,000 records in batches, some retried, and finalizes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mwbatch-results-'));
    dirs.push(dir);
    const writer = await ResultsWriter.open(dir, ['question']);
    for (let i = 0; i < ROWS; i += 50) {
      await writer.append(Array.from({ length: 50 }, (_, j) => record(i + j, 'COMPLETED')));
    }
    // every 10th row is retried: the journal holds both until finalize
    await writer.append(Array.from({ length: ROWS / 10 }, (_, j) => record(j * 10, 'FAILED')));
    await writer.close();

    const reopened = await ResultsWriter.open(dir, ['question']);
    expect(reopened.has(`q-${ROWS - 1}`)).toBe(true);
    expect(reopened.status('q-10')).toBe('FAILED');
    await reopened.finalize(Array.from({ length: ROWS }, (_, i) => `q-${ROWS - 1 - i}`));
    await reopened.close();

    const lines = (await readFile(join(dir, 'results.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS);
    expect((JSON.parse(lines[0]!) as ResultRecord).rowId).toBe(`q-${ROWS - 1}`);
    expect((JSON.parse(lines[ROWS - 1]!) as ResultRecord).status).toBe('FAILED');
    const csv = await readFile(join(dir, 'results.csv'), 'utf8');
    expect(csv.trimEnd().split('\n')).toHaveLength(ROWS + 1);
  });
});
