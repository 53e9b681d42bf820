import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readText } from '../helpers/question-file';
import { conversationKey, deriveBatchId, groupConversations, type QuestionFile } from '../../batch/questions';

const read = readText;

const idsByQuestion = (file: QuestionFile) => Object.fromEntries(file.rows.map((row) => [row.question, row.rowId]));

describe('derived row ids', () => {
  it('are q- + 12 hex of sha256(conversation NUL question)', async () => {
    const file = await read('question,conversation\nHello?,\nHi?,greet\n');
    const hex = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
    expect(file.rows.map((row) => row.rowId)).toEqual([`q-${hex('\u0000Hello?')}`, `q-${hex('greet\u0000Hi?')}`]);
  });

  it('stay the same when another row is edited, inserted or removed', async () => {
    const before = idsByQuestion(await read('question,notes\nA?,1\nB?,2\nC?,3\n'));
    const edited = idsByQuestion(await read('question,notes\nA?,1\nB, changed?,2\nC?,changed\n'));
    const inserted = idsByQuestion(await read('question,notes\nNew?,0\nA?,1\nB?,2\nC?,3\n'));
    const removed = idsByQuestion(await read('question,notes\nA?,1\nC?,3\n'));

    expect(edited['A?']).toBe(before['A?']);
    expect(edited['C?']).toBe(before['C?']);
    expect(inserted).toMatchObject(before);
    expect(removed).toEqual({ 'A?': before['A?'], 'C?': before['C?'] });
  });

  it('number repeats of the same question in the same conversation -2, -3 in file order', async () => {
    const file = await read('question,conversation\nSame?,\nSame?,\nSame?,c\nSame?,\n');
    const [first, second, other, third] = file.rows.map((row) => row.rowId);
    expect(second).toBe(`${first}-2`);
    expect(third).toBe(`${first}-3`);
    expect(other).toMatch(/^q-[0-9a-f]{12}$/);
    expect(file.problems).toEqual([]);
  });

  it('are used for rows whose id cell is blank', async () => {
    const file = await read('id,question\nx1,A?\n,B?\n');
    expect(file.rows.map((row) => row.rowId)).toEqual(['x1', expect.stringMatching(/^q-[0-9a-f]{12}$/)]);
  });
});

describe('groupConversations', () => {
  it('groups turns in file order, conversations in order of first appearance, lone rows by id', async () => {
    const file = await read(
      'id,question,conversation,title\n' +
        '1,Q1,onboarding,\n' +
        '2,Q2,,Lone title\n' +
        '3,Q3,payroll,\n' +
        '4,Q4,onboarding,First day\n' +
        '5,Q5,payroll,Pay\n' +
        '6,Q6,onboarding,Later title\n',
    );
    const conversations = groupConversations(file.rows);

    expect(conversations.map((c) => [c.key, c.title, c.rows.map((row) => row.rowId)])).toEqual([
      ['c-onboarding', 'First day', ['1', '4', '6']],
      ['2', 'Lone title', ['2']],
      ['c-payroll', 'Pay', ['3', '5']],
    ]);
  });

  it('keys are safe in workflow IDs, short, and distinct for values that sanitise alike', () => {
    expect(conversationKey('week-1.v2_a')).toBe('c-week-1.v2_a');
    const spaced = conversationKey('HR onboarding');
    const underscored = conversationKey('HR_onboarding');
    expect(spaced).toMatch(/^c-HR_onboarding-[0-9a-f]{8}$/);
    expect(underscored).toBe('c-HR_onboarding');
    const long = conversationKey('x'.repeat(100));
    expect(long).toMatch(/^c-x{40}-[0-9a-f]{8}$/);
    expect(conversationKey('日本語')).toMatch(/^c-___-[0-9a-f]{8}$/);
  });

  it('rejects a lone row whose id is the key of a named conversation', async () => {
    const file = await read('id,question,conversation\nc-hr,Q1,\n2,Q2,hr\n');
    expect(file.problems).toEqual([
      { line: 2, column: 'id', message: 'id "c-hr" is also the key of the conversation on line 3; use another id' },
    ]);
    expect(file.rows.map((row) => row.rowId)).toEqual(['2']);
  });
});

describe('deriveBatchId', () => {
  it('is b- + the first 12 hex of the file sha256, so the same file resumes the same batch', async () => {
    const a = await read('question\nA?\n');
    const b = await read('question\nA?\n');
    expect(deriveBatchId(a)).toBe(`b-${a.sha256.slice(0, 12)}`);
    expect(deriveBatchId(b)).toBe(deriveBatchId(a));
  });
});
