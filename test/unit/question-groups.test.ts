/** How `submit --per-workflow` cuts and names groups (batch/groups.ts), without Temporal. */
import { describe, expect, it } from 'vitest';
import { GroupCutter, groupHashes, groupIndexOf, isGroupable, MAX_GROUP_INPUT_BYTES } from '../../batch/groups';
import type { Conversation } from '../../batch/questions';
import { conversationWorkflowId, questionGroupWorkflowId } from '../../common/names';

function lone(id: string, question = `question ${id}`): Conversation {
  return { key: id, rows: [{ rowId: id, question, line: 2, extra: {} }] };
}

describe('GroupCutter', () => {
  it('hands out groups in file order, at most the size asked, and lets each conversation go as it does', () => {
    const conversations: (Conversation | undefined)[] = ['a', 'b', 'c', 'd', 'e'].map((id) => lone(id));
    const cutter = new GroupCutter(conversations);
    expect(cutter.take(2)?.map((c) => c.key)).toEqual(['a', 'b']);
    expect(conversations.slice(0, 2)).toEqual([undefined, undefined]);
    expect(conversations[3]?.key).toBe('d');
    expect(cutter.take(2)?.map((c) => c.key)).toEqual(['c', 'd']);
    expect(cutter.take(2)?.map((c) => c.key)).toEqual(['e']);
    expect(cutter.take(2)).toBeUndefined();
  });

  it('closes a group before its questions pass the size limit; a larger question is a group alone', () => {
    const big = 'x'.repeat(MAX_GROUP_INPUT_BYTES / 2);
    const huge = 'y'.repeat(MAX_GROUP_INPUT_BYTES + 10);
    const cutter = new GroupCutter([lone('a', big), lone('b', big), lone('c'), lone('d', huge), lone('e')]);
    const groups: string[][] = [];
    for (let group = cutter.take(10); group; group = cutter.take(10)) groups.push(group.map((c) => c.key));
    expect(groups).toEqual([['a'], ['b', 'c'], ['d'], ['e']]);
  });
});

describe('group names', () => {
  it('reads a group index back from its workflow ID, and nothing from any other ID', () => {
    expect(groupIndexOf('b1', questionGroupWorkflowId('b1', 0))).toBe(0);
    expect(groupIndexOf('b1', questionGroupWorkflowId('b1', 41))).toBe(41);
    expect(groupIndexOf('b1', questionGroupWorkflowId('b2', 3))).toBeUndefined();
    expect(groupIndexOf('b1', conversationWorkflowId('b1', '~group-3'))).toBeUndefined();
    expect(groupIndexOf('b1', `${questionGroupWorkflowId('b1', 3)}/k/turn-1`)).toBeUndefined();
    expect(groupIndexOf('b1', 'b1~settings')).toBeUndefined();
  });

  it('reads the questions of a group from its memo, ignoring anything else there', () => {
    expect([...groupHashes({ inputHashes: { a: 'sha256:1', b: 'sha256:2', c: 3 } })]).toEqual([
      ['a', 'sha256:1'],
      ['b', 'sha256:2'],
    ]);
    expect(groupHashes({ inputHash: 'sha256:1' }).size).toBe(0);
    expect(groupHashes(undefined).size).toBe(0);
  });
});

describe('isGroupable', () => {
  it('takes lone rows only: not a conversation of several turns, not a named conversation, not a button', () => {
    expect(isGroupable(lone('a'))).toBe(true);
    const turns: Conversation = { key: 'c-x', rows: [lone('t1').rows[0]!, lone('t2').rows[0]!] };
    expect(isGroupable(turns)).toBe(false);
    const named: Conversation = { key: 'c-x', rows: [{ ...lone('t1').rows[0]!, conversation: 'x' }] };
    expect(isGroupable(named)).toBe(false);
    const press: Conversation = { key: 'p', rows: [{ ...lone('p').rows[0]!, callbackId: 'label:More' }] };
    expect(isGroupable(press)).toBe(false);
  });
});
