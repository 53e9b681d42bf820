import { describe, expect, it } from 'vitest';
import { readText } from '../helpers/question-file';
import { formatProblem, type QuestionFile } from '../../batch/questions';

const read = readText;

const printed = (file: QuestionFile) => file.problems.map(formatProblem);
const text = 'question,id\nWhere is the café?,1\n';

describe('readQuestionFile on files that are not UTF-8', () => {
  it('UTF-16 with a byte order mark, either endianness', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(0)).swap16();
    for (const content of [le, be]) {
      const file = await read(content);
      expect(printed(file)).toEqual(['1: not valid UTF-8: the file is UTF-16 (save the file as UTF-8)']);
      expect(file.rows).toEqual([]);
    }
  });

  it('UTF-16 without a byte order mark (NUL bytes)', async () => {
    const file = await read(Buffer.from(text, 'utf16le'));
    expect(printed(file)).toEqual([
      '1: not valid UTF-8: NUL bytes, the file looks binary or UTF-16 (save the file as UTF-8); the rest of the file was not checked',
    ]);
  });

  it('Latin-1 bytes: one problem per row that holds them, naming the column', async () => {
    const file = await read(
      Buffer.from('question,id\nfine,1\ncaf\xe9 au lait,2\nok,3\n"cr\xe8me\nbr\xfbl\xe9e",4\n', 'latin1'),
    );
    expect(printed(file)).toEqual([
      '3:question: not valid UTF-8 (save the file as UTF-8)',
      '5:question: not valid UTF-8 (save the file as UTF-8)',
    ]);
    expect(file.rows.map((row) => row.rowId)).toEqual(['1', '3']);
  });

  it('a header in Latin-1', async () => {
    const file = await read(Buffer.from('question,r\xe9sum\xe9\nq,1\n', 'latin1'));
    expect(printed(file)).toEqual(['1: not valid UTF-8 (save the file as UTF-8)']);
  });

  it('binary garbage, without crashing', async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xd8,
    ]);
    const file = await read(png);
    expect(printed(file)).toEqual([
      '1: not valid UTF-8 (save the file as UTF-8)',
      '1:question: missing the required column "question"',
      '3: not valid UTF-8: NUL bytes, the file looks binary or UTF-16 (save the file as UTF-8); the rest of the file was not checked',
    ]);
    expect(file.rows).toEqual([]);
  });

  it('random bytes, without crashing', async () => {
    let seed = 42;
    const bytes = Buffer.alloc(200_000, 0);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = seed >> 16;
    }
    const file = await read(bytes);
    expect(file.problems.length).toBeGreaterThan(0);
    expect(file.problems.some((p) => p.message.startsWith('not valid UTF-8'))).toBe(true);
    expect(file.rows).toEqual([]);
  });

  it('UTF-8 that only looks odd: 4-byte characters, a BOM, characters split across read chunks', async () => {
    const question = '🙂 ünïcødé '.repeat(20_000); // > 64 KiB, so characters straddle stream chunks
    const file = await read(Buffer.from(`\uFEFFquestion\n${question}\n`));
    expect(file.problems).toEqual([]);
    expect(file.rows[0]?.question).toBe(question.trim());
  });
});
