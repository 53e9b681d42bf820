import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS, ResultsWriter, writeRejectedRows, type ResultRecord } from '../../batch/results';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-results-'));
  dirs.push(dir);
  return dir;
}

const awkward = [
  'plain',
  'a, comma',
  'a "quote" or two ""',
  'line\nbreak',
  'carriage\r\nreturn',
  'lone\rcr',
  '"starts with a quote',
  ' spaces around ',
  '',
  'ünïcødé 🙂',
]; // cells that look like formulas are written neutralised: csv-safety.test.ts

describe('results.csv', () => {
  it('quotes cells so that csv-parse reads back exactly what was written', async () => {
    const dir = await tempDir();
    const columns = ['Question', 'conversation', 'TITLE', 'my, column', 'id'];
    const writer = await ResultsWriter.open(dir, columns);
    const records: ResultRecord[] = awkward.map((text, i) => ({
      rowId: `row-${i}`,
      line: i + 2,
      question: `${text}?`,
      conversation: text,
      title: `title ${text}`,
      extra: { 'my, column': text },
      status: 'FAILED',
      answer: text,
      citations: [{ url: `https://x.example/?q=${encodeURIComponent(text)}` }, { title: text }],
      errorCode: 'E',
      errorMessage: text,
      workflowId: `b-1/row-${i}`,
      finishedAt: '2025-01-01T00:00:00.000Z',
    }));
    await writer.append(records);
    await writer.close();

    const raw = await readFile(join(dir, 'results.csv'));
    expect(raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // so that Excel reads UTF-8
    const rows = parse(raw, { bom: true }) as string[][];
    expect(rows[0]).toEqual([...columns, ...RESULT_COLUMNS]);
    expect(rows.slice(1)).toEqual(
      awkward.map((text, i) => [
        `${text}?`,
        text,
        `title ${text}`,
        text,
        `row-${i}`,
        'FAILED',
        text,
        text === '' ? `https://x.example/?q=` : `https://x.example/?q=${encodeURIComponent(text)} | ${text}`,
        '',
        '',
        '',
        '',
        'E',
        text,
        `b-1/row-${i}`,
      ]),
    );
  });
});

describe('writeRejectedRows', () => {
  it('writes rejected.csv with line, column and message, and returns its path', async () => {
    const dir = join(await tempDir(), 'not-yet');
    const path = await writeRejectedRows(dir, [
      { line: 3, column: 'question', message: 'question is empty' },
      { line: 5, message: 'has 4 cells but the header has 3 (quote cells that contain commas)' },
    ]);
    expect(path).toBe(join(dir, 'rejected.csv'));
    expect(parse(await readFile(path), { bom: true })).toEqual([
      ['line', 'column', 'message'],
      ['3', 'question', 'question is empty'],
      ['5', '', 'has 4 cells but the header has 3 (quote cells that contain commas)'],
    ]);
  });
});
