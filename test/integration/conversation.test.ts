/**
 * One question answered end to end: a real Temporal dev server, the conversation workflow and its activities on a
 * real worker, and real HTTP to the Moveworks simulator.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { startConversation, startStackForTest, type TestStack, type TestStackOptions } from '../helpers/stack';

/** The running test's stack (closed when that test ends). */
let stack: TestStack | undefined;

/** Starts a stack with `options` and runs one conversation on it to its end. */
async function ask(options: TestStackOptions, input: Partial<ConversationInput> & Pick<ConversationInput, 'turns'>) {
  stack = await startStackForTest(options);
  return (await startConversation(stack, input)).result();
}

const fastPoll = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 };

describe('conversation workflow', () => {
  it('answers a question with the simulator’s answer, citations and ids', async () => {
    const question = 'How do I reset my VPN password?';
    const result = await ask(
      { simulator: { answerDelayMs: 500 } },
      { turns: [{ rowId: 'r1', question }], poll: fastPoll },
    );
    const [turn] = result.turns;
    expect(turn?.status).toBe('COMPLETED');
    expect(turn?.answer).toBe(expectedAnswer(question));
    expect(turn?.citations.length).toBeGreaterThan(0);
    const conversations = stack!.sim.conversations();
    expect(conversations).toHaveLength(1);
    expect(turn?.conversationId).toBe(conversations[0]?.conversation_id);
    expect(turn?.responseId).toMatch(/^resp_/);
    // create conversation + create response + at least one poll
    expect(turn?.attempts).toBeGreaterThanOrEqual(3);
    expect(turn?.latencyMs).toBeGreaterThanOrEqual(500);
  });

  it('asks the turns of a conversation in order, in one conversation', async () => {
    const questions = ['first question', 'second question', 'third question'];
    const result = await ask(
      { simulator: { answerDelayMs: 300 } },
      { turns: questions.map((question, i) => ({ rowId: `r${i}`, question })), poll: fastPoll },
    );
    expect(result.turns.map((t) => t.answer)).toEqual(questions.map(expectedAnswer));
    expect(new Set(result.turns.map((t) => t.conversationId)).size).toBe(1);
    const submitted = stack!.sim
      .requests()
      .filter((r) => r.method === 'POST' && r.route.endsWith('/responses'))
      .map((r) => (r.body as { input: { text: string } }).input.text);
    expect(submitted).toEqual(questions);
  });

  it('reports a FAILED response as FAILED', async () => {
    const result = await ask({}, { turns: [{ rowId: 'r1', question: 'break please [sim:fail]' }], poll: fastPoll });
    expect(result.turns[0]?.status).toBe('FAILED');
    expect(result.turns[0]?.answer).toBe('');
  });

  it('ends a turn as TIMED_OUT when its deadline passes', async () => {
    const result = await ask(
      {},
      { turns: [{ rowId: 'r1', question: 'never answered [sim:never]' }], poll: fastPoll, deadlineMs: 2_000 },
    );
    expect(result.turns[0]?.status).toBe('TIMED_OUT');
    expect(result.turns[0]?.errorCode).toBe('DEADLINE_EXCEEDED');
  });

  it('cuts a long title on a character boundary: an emoji at the cut never makes the API refuse it', async () => {
    // 231 characters, then an emoji across the 232nd and 233rd code units: where the title is cut for the marker.
    const long = `${'a'.repeat(231)}😀 and the rest of a long sentence`;
    stack = await startStackForTest({ simulator: { answerDelayMs: 100 } });
    const start = (key: string, input: Partial<ConversationInput>) =>
      stack!.client.workflow.execute<(i: ConversationInput) => Promise<ConversationResult>>(
        CONVERSATION_WORKFLOW_TYPE,
        {
          taskQueue: stack!.taskQueue,
          workflowId: `b-${randomUUID()}/${key}`,
          args: [{ batchId: 'b', conversationKey: key, turns: [], poll: fastPoll, ...input }],
        },
      );
    const results = await Promise.all([
      start('titled', { title: long, turns: [{ rowId: 'r1', question: 'a question under a long title' }] }),
      start('untitled', { turns: [{ rowId: 'r2', question: long }] }),
    ]);
    for (const result of results) expect(result.turns[0]?.status, result.turns[0]?.errorMessage).toBe('COMPLETED');
    for (const conversation of stack.sim.conversations()) expect(conversation.title).toContain('a'.repeat(231));
  });
});
