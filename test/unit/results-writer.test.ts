import { appendFile, mkdtemp, readFile, rm, truncate, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS, ResultsWriter, type ResultRecord } from '../../batch/results';
import type { TurnStatus } from '../../common/types';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function resultsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-results-'));
  dirs.push(dir);
  return join(dir, 'out', 'b-123'); // not created yet: open() makes it
}

const COLUMNS = ['id', 'question', 'notes'];

function record(rowId: string, status: TurnStatus = 'COMPLETED', answer = `answer to ${rowId}`): ResultRecord {
  return {
    rowId,
    line: 2,
    question: `question ${rowId}?`,
    extra: { notes: `note ${rowId}` },
    status,
    answer,
    citations: [{ url: 'https://kb.example/1', title: 'KB 1' }, { title: 'Only a title' }],
    conversationId: 'conv-1',
    responseId: `resp-${rowId}`,
    latencyMs: 1200,
    attempts: 1,
    workflowId: `b-123/${rowId}`,
    finishedAt: '2025-01-01T00:00:00.000Z',
  };
}

const jsonl = async (dir: string) =>
  (await readFile(join(dir, 'results.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ResultRecord);

const csvRows = async (dir: string) => parse(await readFile(join(dir, 'results.csv')), { bom: true }) as string[][];

describe('ResultsWriter', () => {
  it('appends, and after reopening knows every recorded row without duplicating any', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    expect(writer.dir).toBe(dir);
    expect(writer.has('r1')).toBe(false);
    await writer.append([record('r1'), record('r2', 'FAILED')]);
    expect(writer.has('r1')).toBe(true);
    expect(writer.get('r2')).toEqual(record('r2', 'FAILED'));
    await writer.close();

    const again = await ResultsWriter.open(dir, COLUMNS);
    expect(again.has('r1')).toBe(true);
    expect(again.has('r2')).toBe(true);
    expect(again.has('r3')).toBe(false);
    expect(again.status('r2')).toBe('FAILED');
    expect(again.get('r1')?.answer).toBe('answer to r1');
    await again.append([record('r3')]);
    await again.close();

    expect((await jsonl(dir)).map((r) => r.rowId)).toEqual(['r1', 'r2', 'r3']);
    const rows = await csvRows(dir);
    expect(rows[0]).toEqual([...COLUMNS, ...RESULT_COLUMNS]);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['r1', 'r2', 'r3']);
    expect(rows[1]).toEqual([
      'r1',
      'question r1?',
      'note r1',
      'COMPLETED',
      'answer to r1',
      'https://kb.example/1 | Only a title',
      'conv-1',
      'resp-r1',
      '1200',
      '1',
      '',
      '',
      'b-123/r1',
    ]);
  });

  it('truncates a torn last journal line on open and rebuilds the CSV to match', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append([record('r1'), record('r2')]);
    await writer.close();
    await appendFile(join(dir, 'results.jsonl'), '{"rowId":"r3","status":"COMPL'); // the crash

    const again = await ResultsWriter.open(dir, COLUMNS);
    expect(again.has('r3')).toBe(false);
    await again.append([record('r3')]);
    expect(again.get('r3')).toEqual(record('r3'));
    await again.close();
    expect((await jsonl(dir)).map((r) => r.rowId)).toEqual(['r1', 'r2', 'r3']);
    expect((await csvRows(dir)).length).toBe(4);
  });

  it('drops a complete-looking last line that is not valid JSON, and refuses a bad line in the middle', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append([record('r1')]);
    await writer.close();
    await appendFile(join(dir, 'results.jsonl'), '{"rowId": nonsense}\n');
    const again = await ResultsWriter.open(dir, COLUMNS);
    expect((await jsonl(dir)).map((r) => r.rowId)).toEqual(['r1']);
    await again.close();

    await appendFile(join(dir, 'results.jsonl'), `not json\n${JSON.stringify(record('r2'))}\n`);
    await expect(ResultsWriter.open(dir, COLUMNS)).rejects.toThrow(/line 2 is not a result record/);
  });

  it('rebuilds a torn or incomplete results.csv from the journal', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append([record('r1'), record('r2', 'FAILED', 'line one\nline two, "quoted"')]);
    await writer.close();
    const csvPath = join(dir, 'results.csv');
    const whole = await readFile(csvPath);

    await truncate(csvPath, whole.length - 7); // torn last row
    await (await ResultsWriter.open(dir, COLUMNS)).close();
    expect(await readFile(csvPath)).toEqual(whole);

    const lines = whole.toString().split('\n');
    await writeFile(csvPath, lines.slice(0, 2).join('\n') + '\n'); // a row never written
    await (await ResultsWriter.open(dir, COLUMNS)).close();
    expect(await readFile(csvPath)).toEqual(whole);

    await rm(csvPath); // missing altogether
    await (await ResultsWriter.open(dir, COLUMNS)).close();
    expect(await readFile(csvPath)).toEqual(whole);

    await (await ResultsWriter.open(dir, [...COLUMNS, 'title'])).close(); // other input columns
    expect((await csvRows(dir))[0]).toEqual([...COLUMNS, 'title', ...RESULT_COLUMNS]);
  });

  it('finalize keeps the last record of each row, in the given order, and the writer stays usable', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append([record('a', 'ERROR', 'first try'), record('b')]);
    await writer.append([record('c'), record('a', 'COMPLETED', 'second try')]);
    await writer.finalize(['c', 'a', 'b']);

    expect((await jsonl(dir)).map((r) => [r.rowId, r.answer])).toEqual([
      ['c', 'answer to c'],
      ['a', 'second try'],
      ['b', 'answer to b'],
    ]);
    expect((await csvRows(dir)).slice(1).map((row) => [row[0], row[4]])).toEqual([
      ['c', 'answer to c'],
      ['a', 'second try'],
      ['b', 'answer to b'],
    ]);
    expect(writer.get('a')?.answer).toBe('second try');
    await writer.append([record('d')]);
    expect(writer.get('d')?.rowId).toBe('d');
    await writer.finalize(); // no order: first appearance, rows unknown to `order` kept
    await writer.close();
    expect((await jsonl(dir)).map((r) => r.rowId)).toEqual(['c', 'a', 'b', 'd']);
    expect(await readdir(dir)).toEqual(['results.csv', 'results.jsonl']);

    const reopened = await ResultsWriter.open(dir, COLUMNS);
    expect(reopened.get('a')?.answer).toBe('second try');
    await reopened.close();
  });

  it('finalize writes multi-byte answers across its 1 MiB write buffer, and an answer larger than it, whole', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    // 3-byte characters in odd lengths: lines end at every offset of the buffer, some characters straddle its end.
    const answers = Array.from({ length: 700 }, (_, i) => `${i}:${'€'.repeat(1000 + (i % 7))}✓`);
    answers[350] = `big ${'ü'.repeat(700_000)} end`; // 1.4 MB in UTF-8
    await writer.append(answers.map((answer, i) => record(`r${i}`, 'COMPLETED', answer)));
    const order = answers.map((_, i) => `r${answers.length - 1 - i}`);
    await writer.finalize(['r5', 'unknown', ...order]); // r5 first, once; an id without a result is left out
    await writer.close();

    const expected = ['r5', ...order.filter((id) => id !== 'r5')];
    const byId = new Map(answers.map((answer, i) => [`r${i}`, answer]));
    expect((await jsonl(dir)).map((r) => [r.rowId, r.answer])).toEqual(expected.map((id) => [id, byId.get(id)]));
    expect((await csvRows(dir)).slice(1).map((row) => [row[0], row[4]])).toEqual(
      expected.map((id) => [id, byId.get(id)]),
    );
  });

  it('keeps appends made at the same time whole and in call order', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append([record(`r${i}`), record(`s${i}`)])));
    const closing = writer.close();
    await expect(writer.append([record('late')])).rejects.toThrow(/closed/);
    await closing;
    const ids = (await jsonl(dir)).map((r) => r.rowId);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => [`r${i}`, `s${i}`]).flat());
    expect((await csvRows(dir)).length).toBe(41);
  });

  it('refuses a record without the required fields before writing anything', async () => {
    const dir = await resultsDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    const bad = { ...record('r1'), rowId: '' };
    await expect(writer.append([record('ok'), bad])).rejects.toThrow(/not a valid result record/);
    await writer.close();
    expect(await jsonl(dir)).toEqual([]);
  });
});
