/**
 * Streaming mode: the turn is submitted over SSE; a stream that is cut or errs mid-answer continues by polling
 * the same response, never by submitting again.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { startTestStack, type TestStack, type TestStackOptions } from '../helpers/stack';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function askStreaming(options: TestStackOptions, questions: string[]) {
  stack = await startTestStack(options);
  const batchId = `b-${randomUUID()}`;
  const input: ConversationInput = {
    batchId,
    conversationKey: 'c1',
    mode: 'stream',
    turns: questions.map((question, i) => ({ rowId: `r${i}`, question })),
    poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 },
  };
  return stack.client.workflow.execute<(i: ConversationInput) => Promise<ConversationResult>>(
    CONVERSATION_WORKFLOW_TYPE,
    {
      taskQueue: stack.taskQueue,
      workflowId: `${batchId}/c1`,
      args: [input],
    },
  );
}

const routes = () => stack!.sim.requests().map((r) => `${r.method} ${r.route}`);

describe('streaming mode', () => {
  it('answers over the stream with exactly two API requests per question', async () => {
    const question = 'stream me the answer';
    const result = await askStreaming({ simulator: { answerDelayMs: 300 } }, [question]);
    expect(result.turns[0]?.status).toBe('COMPLETED');
    expect(result.turns[0]?.answer).toBe(expectedAnswer(question));
    expect(routes()).toEqual(['POST /conversations', 'POST /conversations/{conversation_id}/responses/stream']);
  });

  it.each([
    ['a stream cut mid-answer', 'cut me off [sim:cut]'],
    ['an ERROR event mid-stream', 'err mid-stream [sim:stream-error]'],
  ])('finishes %s by polling the same response', async (_name, question) => {
    const result = await askStreaming({ simulator: { answerDelayMs: 300 } }, [question, 'and a second turn']);
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(result.turns[0]?.answer).toBe(expectedAnswer(question));
    expect(result.turns[1]?.answer).toBe(expectedAnswer('and a second turn'));
    const calls = routes();
    expect(calls.filter((r) => r.endsWith('/responses/stream'))).toHaveLength(2);
    expect(calls).toContain('GET /conversations/{conversation_id}/responses/{response_id}');
    expect(Object.values(stack!.sim.stats().responsesCreated)).toEqual([2]);
  });
});
