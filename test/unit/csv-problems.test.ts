import { describe, expect, it } from 'vitest';
import { readText } from '../helpers/question-file';
import { formatProblem, type QuestionFile } from '../../batch/questions';

const read = readText;

const printed = (file: QuestionFile) => file.problems.map(formatProblem);

describe('readQuestionFile reports problems', () => {
  it('a missing question column, once, at line 1', async () => {
    const file = await read('id,prompt\n1,hello\n2,world\n');
    expect(printed(file)).toEqual(['1:question: missing the required column "question"']);
    expect(file.rows).toEqual([]);
  });

  it('an empty question, and keeps the good rows', async () => {
    const file = await read('id,question\n1,fine\n2,   \n3,also fine\n');
    expect(printed(file)).toEqual(['3:question: question is empty']);
    expect(file.rows.map((row) => row.rowId)).toEqual(['1', '3']);
  });

  it('a duplicate id on its second occurrence, naming the line of the first', async () => {
    const file = await read('id,question\nabc,one\nxyz,two\nabc,three\n');
    expect(printed(file)).toEqual(['4:id: duplicate id "abc" (already used on line 2)']);
    expect(file.rows.map((row) => row.question)).toEqual(['one', 'two']);
  });

  it('a title over 256 characters', async () => {
    const file = await read(`question,title\nq1,${'t'.repeat(256)}\nq2,${'t'.repeat(257)}\n`);
    expect(printed(file)).toEqual(['3:title: title is longer than 256 characters']);
    expect(file.rows).toHaveLength(1);
  });

  it('a row with the wrong number of cells, and carries on with the next rows', async () => {
    const file = await read('question,owner\nq1,a\nq2,b,extra\nq3\nq4,d\n');
    expect(printed(file)).toEqual([
      '3: has 3 cells but the header has 2 (quote cells that contain commas)',
      '4: has 1 cell but the header has 2',
    ]);
    expect(file.rows.map((row) => [row.line, row.question])).toEqual([
      [2, 'q1'],
      [5, 'q4'],
    ]);
  });

  it('duplicate and unnamed header columns', async () => {
    const file = await read('question,Notes,notes,\nq,a,b,c\n');
    expect(printed(file)).toEqual([
      '1:notes: duplicate column name (columns 2 and 3)',
      '1: column 4 has no name (name it or delete the column)',
    ]);
  });

  it('every problem in the file, not only the first', async () => {
    const file = await read(`id,question,title\n1,,\n1,q,\n3,q3,${'T'.repeat(300)}\n4,q4,t,x\n5,fine,\n`);
    expect(printed(file)).toEqual([
      '2:question: question is empty',
      '3:id: duplicate id "1" (already used on line 2)',
      '4:title: title is longer than 256 characters',
      '5: has 4 cells but the header has 3 (quote cells that contain commas)',
    ]);
    expect(file.rows.map((row) => row.rowId)).toEqual(['5']);
  });

  it('an empty file, a blank file and a header without rows', async () => {
    expect(printed(await read(''))).toEqual(['1: no rows: the file is empty']);
    expect(printed(await read('\uFEFF\n\n'))).toEqual(['1: no rows: the file is empty']);
    expect(printed(await read('question,id\r\n'))).toEqual(['1: no rows: the file has a header but no questions']);
  });

  it('a cell over 1 MB, naming its line and column, and reads on', async () => {
    const file = await read(`question,notes\nq1,${'x'.repeat(2 * 1024 * 1024)}\nq2,small\n`);
    expect(printed(file)).toEqual(['2:notes: cell is larger than 1 MB (2.0 MB)']);
    expect(file.rows.map((row) => row.question)).toEqual(['q2']);
  });

  it('a row too big to hold, and stops reading there', async () => {
    const file = await read(`question,notes\nq1,n\nq2,"${'x'.repeat(9 * 1024 * 1024)}"\nq3,n\n`);
    expect(printed(file)).toEqual(['3:notes: row is larger than 8 MB; the rest of the file was not checked']);
  });

  it('a quote that is never closed', async () => {
    const file = await read('question,id\nfine,1\n"open,2\nmore,3\n');
    expect(printed(file)).toEqual(['3: a quoted cell starting on this row is never closed (a " is missing)']);
    expect(file.rows.map((row) => row.rowId)).toEqual(['1']);
  });

  it('an id with a line break', async () => {
    const file = await read('id,question\n"a\nb",q\n');
    expect(printed(file)).toEqual(['2:id: id contains a line break or control character']);
  });
});
