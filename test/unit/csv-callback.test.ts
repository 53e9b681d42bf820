/**
 * The `callback_id` column of a question file: a row that presses a button the previous answer offered instead of
 * asking. It needs no question, must follow an earlier row of its conversation, and is echoed in results.csv.
 */
import { describe, expect, it } from 'vitest';
import { readText } from '../helpers/question-file';
import { formatProblem, type QuestionFile } from '../../batch/questions';
import { inputOfConversation, conversationInputHash } from '../../batch/start';
import { groupConversations } from '../../batch/questions/conversations';
import { CsvLayout, type ResultRecord } from '../../batch/results';
import { resolveCallback, turnText } from '../../common/callback-input';

const read = readText;

describe('the callback_id column', () => {
  it('a row may press a button instead of asking: no question needed, the press reaches the workflow input', async () => {
    const file = await read(
      'conversation,question,Callback_ID,team\n' +
        'c1,Open a ticket for my laptop,,it\n' +
        'c1,,label:Approve,it\n' +
        'c1,(press the second button),cb-123,it\n',
    );
    expect(file.problems).toEqual([]);
    expect(file.rows.map((row) => [row.question, row.callbackId, row.extra])).toEqual([
      ['Open a ticket for my laptop', undefined, { team: 'it' }],
      ['', 'label:Approve', { team: 'it' }],
      ['(press the second button)', 'cb-123', { team: 'it' }],
    ]);
    const [conversation] = groupConversations(file.rows);
    const input = inputOfConversation('b-1', conversation!);
    expect(input.turns.map((turn) => turn.callbackId)).toEqual([undefined, 'label:Approve', 'cb-123']);
    expect('callbackId' in input.turns[0]!).toBe(false);
  });

  it('rows that press different buttons get different ids; the ids of rows without a press do not change', async () => {
    const pressing = await read('conversation,question,callback_id\nc,Hi,\nc,,label:Yes\nc,,label:No\n');
    const plain = await read('conversation,question\nc,Hi\n');
    const ids = pressing.rows.map((row) => row.rowId);
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toBe(plain.rows[0]!.rowId);
  });

  it('a press on the first row of a conversation, or on a lone row, is refused naming its line and column', async () => {
    const file = await read(
      'id,conversation,question,callback_id\n' + '1,,lone row,label:Yes\n' + '2,c,,label:Yes\n' + '3,c,fine,\n',
    );
    expect(file.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^2:callback_id: callback_id presses a button of the previous answer, so the row needs/),
      expect.stringMatching(/^3:callback_id: callback_id presses a button/),
    ]);
    expect(file.rows.map((row) => row.rowId)).toEqual(['3']);
  });

  it('a row with neither a question nor a callback_id is still an empty question', async () => {
    const file = await read(`conversation,question,callback_id,title\nc,hi,,\nc,  ,  ,\nc,,,${'t'.repeat(300)}\n`);
    expect(file.problems.map(formatProblem)).toEqual([
      '3:question: question is empty',
      '4:title: title is longer than 256 characters',
      '4:question: question is empty', // reported with the other problem of its row, not after it is fixed
    ]);
  });

  it('a press is part of what makes a re-run the same conversation', async () => {
    const [yes, no] = await Promise.all([
      read('conversation,question,callback_id\nc,Hi,\nc,press,label:Yes\n'),
      read('conversation,question,callback_id\nc,Hi,\nc,press,label:No\n'),
    ]);
    const hash = (file: QuestionFile) =>
      conversationInputHash(inputOfConversation('b', groupConversations(file.rows)[0]!));
    expect(hash(yes)).not.toBe(hash(no));
  });

  it('results.csv echoes the callback_id cell in its column', () => {
    const layout = new CsvLayout(['question', 'callback_id']);
    const record = {
      rowId: 'r',
      line: 3,
      question: '',
      callbackId: '=label:Approve',
      extra: {},
      status: 'COMPLETED',
      answer: 'Approved.',
      citations: [],
      workflowId: 'b/c',
      finishedAt: '2026-11-27T00:00:00.000Z',
    } satisfies ResultRecord;
    // neutralised like every cell: a leading = would be a formula
    expect(layout.cells(record).slice(0, 3)).toEqual(['', '=label:Approve', 'COMPLETED']);
    expect(layout.row(record)).toMatch(/^,'=label:Approve,COMPLETED,/);
  });
});

describe('resolveCallback', () => {
  const offered = [
    { type: 'URL_ACTION', label: 'Approve', url: 'https://x', messageId: 'm' },
    { type: 'CALLBACK_ACTION', label: 'Approve  request', callbackId: 'id-approve', messageId: 'm' },
    { type: 'CALLBACK_ACTION', label: 'Reject', callbackId: 'id-reject', messageId: 'm' },
  ];

  it('finds a button by its label, whitespace and case aside; a link of that label is not a button', () => {
    expect(resolveCallback('LABEL: approve request ', offered)).toEqual({ callbackId: 'id-approve' });
    expect(resolveCallback('label:Approve', offered)).toEqual({
      missing:
        'the previous answer offered no button labelled "Approve" (it offered "Approve  request", "Reject"); nothing was sent',
    });
  });

  it('sends any other value as the callback ID itself', () => {
    expect(resolveCallback('id-somewhere-else', [])).toEqual({ callbackId: 'id-somewhere-else' });
    expect(resolveCallback('label:Yes', undefined)).toEqual({
      missing: 'the previous answer offered no button labelled "Yes" (it offered none); nothing was sent',
    });
  });
});

describe('turnText', () => {
  it('shows a press without a description as what it pressed, in the CLI and the evaluation report', () => {
    expect(turnText({ question: '', callbackId: 'label:Approve' })).toBe('(pressed label:Approve)');
    expect(turnText({ question: 'approve it', callbackId: 'label:Approve' })).toBe('approve it');
    expect(turnText({ question: 'a question' })).toBe('a question');
  });
});
