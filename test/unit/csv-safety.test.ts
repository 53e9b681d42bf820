/**
 * The CSV files we write are safe to open in a spreadsheet: a cell that starts like a formula (`=`, `+`, `-`, `@`,
 * tab, CR) is written with a leading `'`, so that Excel / LibreOffice / Sheets show it as text instead of running
 * it, in results.csv (every column, the header too) and rejected.csv. results.jsonl keeps the raw text, and
 * ordinary cells, commas, quotes and line breaks come out as before.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { readInputColumns, ResultsWriter, writeRejectedRows, type ResultRecord } from '../../batch/results';
import { readJournal } from '../helpers/batch';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-csv-safety-'));
  dirs.push(dir);
  return dir;
}

/** Cells a spreadsheet would run as a formula (or, for tab and CR, that Excel strips to reach one). */
const FORMULAS = ['=1+1', '+x', '-x', '@SUM(A1)', '\tx', '\rx'];
/** Cells that must come back exactly as they were. */
const ORDINARY = ['plain text', 'a, comma', 'say "hi"', 'two\nlines', 'x=1', "it's", ''];

const COLUMNS = ['id', 'question', 'team'];

function record(rowId: string, text: string): ResultRecord {
  return {
    rowId,
    line: 2,
    question: text,
    extra: { team: text },
    status: 'FAILED',
    answer: text,
    citations: [],
    errorCode: 'E',
    errorMessage: text,
    workflowId: `b-1/${rowId}`,
    finishedAt: '2025-01-01T00:00:00.000Z',
  };
}

const readCsv = async (path: string) => parse(await readFile(path), { bom: true }) as string[][];

describe('results.csv', () => {
  it('neutralises cells that start like a formula in every column, and the journal keeps them raw', async () => {
    const dir = await tempDir();
    const texts = [...FORMULAS, ...ORDINARY];
    const records = texts.map((text, i) => record(`r${i}`, text));
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append(records);
    const written = async () => {
      const [header = [], ...rows] = await readCsv(join(dir, 'results.csv'));
      const cell = (row: string[], name: string) => row[header.indexOf(name)];
      return rows.map((row) => ({
        question: cell(row, 'question'),
        team: cell(row, 'team'),
        answer: cell(row, 'answer'),
        errorMessage: cell(row, 'error_message'),
      }));
    };
    const expected = texts.map((text) => {
      const cell = FORMULAS.includes(text) ? `'${text}` : text;
      return { question: cell, team: cell, answer: cell, errorMessage: cell };
    });
    expect(await written()).toEqual(expected); // as appended, row by row
    await writer.finalize();
    await writer.close();
    expect(await written()).toEqual(expected); // and as rewritten at the end

    const raw = await readFile(join(dir, 'results.csv'), 'utf8');
    expect(raw.startsWith('\uFEFFid,question,team,status,')).toBe(true);
    expect(raw).toContain(`r2,'-x,'-x,FAILED,'-x,`);
    expect(raw).toContain(`r6,plain text,plain text,FAILED,plain text,`);
    expect(raw).toContain(`r7,"a, comma","a, comma",FAILED,"a, comma",`);
    expect(raw).toContain(`r8,"say ""hi""","say ""hi""",FAILED,"say ""hi""",`);
    expect(raw).toContain(`r9,"two\nlines","two\nlines",FAILED,"two\nlines",`);
    expect(raw).toContain(`r5,"'\rx","'\rx",FAILED,"'\rx",`);
    expect(raw).toMatch(/,b-1\/r12[^\n]*\n$/); // `\n` after the last row too

    expect(readJournal(dir).map((r) => [r.rowId, r.answer])).toEqual(texts.map((text, i) => [`r${i}`, text]));
  });

  it('writes a negative number passed through from the input as text too', async () => {
    const dir = await tempDir();
    const writer = await ResultsWriter.open(dir, COLUMNS);
    await writer.append([{ ...record('r1', 'How cold is it?'), extra: { team: '-5' } }]);
    await writer.close();
    expect((await readCsv(join(dir, 'results.csv')))[1]?.slice(0, 3)).toEqual(['r1', 'How cold is it?', "'-5"]);
  });

  it('neutralises a header cell, and reads the column back by its own name when the folder is reopened', async () => {
    const dir = await tempDir();
    const columns = ['id', 'question', '=cmd|calc'];
    const first = await ResultsWriter.open(dir, columns);
    await first.append([{ ...record('r1', 'first?'), extra: { '=cmd|calc': 'one' } }]);
    await first.close();

    // `mwbatch results` and `retry-failed` take the input columns from the existing results.csv.
    const reread = await readInputColumns(dir);
    expect(reread).toEqual(columns);
    const again = await ResultsWriter.open(dir, reread!);
    await again.append([{ ...record('r2', 'second?'), extra: { '=cmd|calc': 'two' } }]);
    await again.close();

    const rows = await readCsv(join(dir, 'results.csv'));
    expect(rows[0]?.slice(0, 3)).toEqual(['id', 'question', "'=cmd|calc"]);
    expect(rows.slice(1).map((row) => row.slice(0, 3))).toEqual([
      ['r1', 'first?', 'one'],
      ['r2', 'second?', 'two'],
    ]);
  });
});

describe('rejected.csv', () => {
  it('neutralises formula-like cells and keeps the others as they were', async () => {
    const dir = await tempDir();
    const path = await writeRejectedRows(dir, [
      ...FORMULAS.map((text, i) => ({ line: i + 2, column: text, message: text })),
      { line: 20, column: 'question', message: 'question is empty, "really"' },
      { line: 21, message: 'has 4 cells\nbut the header has 3' },
    ]);
    const raw = await readFile(path, 'utf8');
    expect(raw.startsWith('\uFEFFline,column,message\n')).toBe(true);
    expect(await readCsv(path)).toEqual([
      ['line', 'column', 'message'],
      ...FORMULAS.map((text, i) => [String(i + 2), `'${text}`, `'${text}`]),
      ['20', 'question', 'question is empty, "really"'],
      ['21', '', 'has 4 cells\nbut the header has 3'],
    ]);
  });
});
