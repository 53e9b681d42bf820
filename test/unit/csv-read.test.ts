import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, readQuestionFile } from '../../batch/questions';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function questionFile(content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-csv-'));
  dirs.push(dir);
  const path = join(dir, 'questions.csv');
  await writeFile(path, content);
  return path;
}

describe('readQuestionFile on a good file', () => {
  it('reads quoted commas and newlines, CRLF and a BOM, with the line where each row starts', async () => {
    const content =
      '\uFEFFid,question,conversation,title\r\n' +
      '1,"Hello, how do I reset my password?",,Passwords\r\n' +
      '2,"First line\r\nsecond line\r\nthird line",onboarding,\r\n' +
      '\r\n' +
      '3,"He said ""hi""",onboarding,\r\n' +
      '4,What is "SSO"?,,\r\n';
    const path = await questionFile(content);
    const file = await readQuestionFile(path);

    expect(file.problems).toEqual([]);
    expect(file.columns).toEqual(['id', 'question', 'conversation', 'title']);
    expect(file.rows).toEqual([
      { line: 2, rowId: '1', question: 'Hello, how do I reset my password?', title: 'Passwords', extra: {} },
      {
        line: 3,
        rowId: '2',
        question: 'First line\r\nsecond line\r\nthird line',
        conversation: 'onboarding',
        extra: {},
      },
      { line: 7, rowId: '3', question: 'He said "hi"', conversation: 'onboarding', extra: {} },
      { line: 8, rowId: '4', question: 'What is "SSO"?', extra: {} },
    ]);
    expect(file.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(file.path).toBe(path);
  });

  it('matches the four known headers trimmed and in any case, and passes other columns through', async () => {
    const path = await questionFile(' Question ,Owner,ID,Notes \nWhere is the VPN guide?,alice,a-1,"x, y"\n');
    const file = await readQuestionFile(path);

    expect(file.problems).toEqual([]);
    expect(file.columns).toEqual([' Question ', 'Owner', 'ID', 'Notes ']);
    expect(file.rows).toEqual([
      { line: 2, rowId: 'a-1', question: 'Where is the VPN guide?', extra: { Owner: 'alice', 'Notes ': 'x, y' } },
    ]);
  });

  it('accepts LF, CRLF and lone CR line endings mixed in one file', async () => {
    const path = await questionFile('question,id\nq1,1\r\nq2,2\rq3,3\n"q\r\n4",4\n');
    const file = await readQuestionFile(path);

    expect(file.problems).toEqual([]);
    expect(file.rows.map((row) => [row.line, row.rowId, row.question])).toEqual([
      [2, '1', 'q1'],
      [3, '2', 'q2'],
      [4, '3', 'q3'],
      [5, '4', 'q\r\n4'],
    ]);
  });

  it('trims the question, id and title, and treats blank optional cells as absent', async () => {
    const path = await questionFile('id,question,conversation,title\n  7 ,  Why?  ,  , \n');
    const file = await readQuestionFile(path);

    expect(file.rows).toEqual([{ line: 2, rowId: '7', question: 'Why?', extra: {} }]);
  });

  it('throws when the file cannot be read at all', async () => {
    await expect(readQuestionFile(join(tmpdir(), 'mwbatch-no-such-file.csv'))).rejects.toThrow(/ENOENT/);
  });
});

describe('formatProblem', () => {
  it('prints line:column: message, or line: message without a column', () => {
    expect(formatProblem({ line: 4, column: 'title', message: 'too long' })).toBe('4:title: too long');
    expect(formatProblem({ line: 1, message: 'no rows' })).toBe('1: no rows');
  });
});
