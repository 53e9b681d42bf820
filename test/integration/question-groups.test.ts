/**
 * The two rules that keep a grouped question in one group only (batch/groups.ts), with the race visibility cannot
 * settle: two submissions of the same batch that do not see each other's groups yet. And the group workflow itself:
 * each conversation with a marker of its own, so that a retried opening finds its own conversation.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputMismatchError } from '../../common/errors';
import { QUESTION_GROUP_WORKFLOW_TYPE, questionGroupWorkflowId } from '../../common/names';
import { resolveTurnSettings, type QuestionGroupInput, type QuestionGroupResult } from '../../common/types';
import { batchPerWorkflow, GroupChain } from '../../batch/groups';
import type { Conversation } from '../../batch/questions';
import { expectedAnswer } from '../../simulator';
import { startStackForTest, useTestStack } from '../helpers/stack';

const stack = useTestStack({ simulator: { answerDelayMs: 100 } });

function lone(id: string, question = `chain question ${id}`): Conversation {
  return { key: id, rows: [{ rowId: id, question, line: 2, extra: {} }] };
}

const settings = resolveTurnSettings({ deadlineMs: 30_000 });

describe('the chain of groups', () => {
  it('two submissions racing with other files: each question in one group, asked once', async () => {
    const batchId = `chain-${randomUUID().slice(0, 8)}`;
    // Neither knows the other's groups: as when visibility has not listed them yet.
    const first = new GroupChain(stack.client, stack.taskQueue, batchId, new Set());
    const second = new GroupChain(stack.client, stack.taskQueue, batchId, new Set());
    const a = await first.start([lone('a'), lone('b')], settings);
    const b = await second.start([lone('b'), lone('c'), lone('d')], settings);
    expect(a.map((g) => [g.handle.workflowId, g.conversations.map((c) => c.key), g.started])).toEqual([
      [questionGroupWorkflowId(batchId, 0), ['a', 'b'], true],
    ]);
    expect(b.map((g) => [g.handle.workflowId, g.conversations.map((c) => c.key), g.started])).toEqual([
      [questionGroupWorkflowId(batchId, 0), ['b'], false],
      [questionGroupWorkflowId(batchId, 1), ['c', 'd'], true],
    ]);
    const results = await Promise.all([a[0]!, b[1]!].map((g) => g.handle.result()));
    for (const result of results) {
      for (const conversation of result.conversations) {
        expect(conversation.turns[0]?.status).toBe('COMPLETED');
        expect(conversation.turns[0]?.answer).toBe(expectedAnswer(`chain question ${conversation.conversationKey}`));
      }
    }
    const asked = stack.sim.stats().submissionsByQuestion;
    for (const id of ['a', 'b', 'c', 'd']) expect(asked[`chain question ${id}`], id).toBe(1);
  });

  it('refuses to attach a question whose text differs from the one its group holds', async () => {
    const batchId = `chain-${randomUUID().slice(0, 8)}`;
    await new GroupChain(stack.client, stack.taskQueue, batchId, new Set()).start([lone('x')], settings);
    const racing = new GroupChain(stack.client, stack.taskQueue, batchId, new Set());
    await expect(racing.start([lone('x', 'an edited question')], settings)).rejects.toThrow(InputMismatchError);
  });

  it("the first submission fixes the batch's questions per workflow, even when two race", async () => {
    const batchId = `settings-${randomUUID().slice(0, 8)}`;
    const both = await Promise.all([
      batchPerWorkflow(stack.client, stack.taskQueue, batchId, 10, false),
      batchPerWorkflow(stack.client, stack.taskQueue, batchId, 1, false),
    ]);
    expect(both[0]).toBe(both[1]);
    expect(await batchPerWorkflow(stack.client, stack.taskQueue, batchId, 7, false)).toBe(both[0]);
  });
});

describe('the question group workflow', () => {
  it('gives each conversation its own marker: lost replies to its POSTs are reconciled, never asked again', async () => {
    const own = await startStackForTest({ simulator: { answerDelayMs: 100, commitThenDropRate: 0.5, seed: 5 } });
    const batchId = `group-${randomUUID().slice(0, 8)}`;
    const questions = Array.from({ length: 8 }, (_, i) => `group question ${i}`);
    const input: QuestionGroupInput = {
      batchId,
      groupIndex: 0,
      // Same title for all: only the key tells their conversations apart.
      conversations: questions.map((question, i) => ({
        conversationKey: `k${i}`,
        title: 'Same title',
        turns: [{ rowId: `k${i}`, question }],
      })),
      ...resolveTurnSettings({ deadlineMs: 30_000, poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 } }),
      httpOnWorkflowQueue: true,
    };
    const result = await own.client.workflow.execute<(i: QuestionGroupInput) => Promise<QuestionGroupResult>>(
      QUESTION_GROUP_WORKFLOW_TYPE,
      { taskQueue: own.taskQueue, workflowId: questionGroupWorkflowId(batchId, 0), args: [input] },
    );
    const dropped = own.sim.requests().filter((r) => r.fault === 'commit-then-drop' && r.method === 'POST');
    expect(dropped.some((r) => r.route === '/conversations')).toBe(true);
    expect(dropped.some((r) => r.route.endsWith('/responses'))).toBe(true);
    expect(result.conversations.map((c) => c.conversationKey)).toEqual(questions.map((_, i) => `k${i}`));
    for (const [i, conversation] of result.conversations.entries()) {
      expect(conversation.turns[0]?.status, conversation.turns[0]?.errorMessage).toBe('COMPLETED');
      expect(conversation.turns[0]?.answer).toBe(expectedAnswer(questions[i]!));
    }
    // One conversation per question, each asked once.
    expect(own.sim.conversations()).toHaveLength(questions.length);
    expect(new Set(result.conversations.map((c) => c.conversationId)).size).toBe(questions.length);
    const asked = own.sim.stats().submissionsByQuestion;
    for (const question of questions) expect(asked[question], question).toBe(1);
  });
});
