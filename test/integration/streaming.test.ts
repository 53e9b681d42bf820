/**
 * Streaming mode: the turn is submitted over SSE; a stream that is cut or errs mid-answer continues by polling
 * the same response, never by submitting again.
 */
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { startConversation, startStackForTest, type TestStack, type TestStackOptions } from '../helpers/stack';

/** The running test's stack (closed when that test ends). */
let stack: TestStack | undefined;

/** Starts a stack with `options` and asks `questions` as the turns of one conversation in streaming mode. */
async function askStreaming(options: TestStackOptions, questions: string[]) {
  stack = await startStackForTest(options);
  const handle = await startConversation(stack, {
    mode: 'stream',
    turns: questions.map((question, i) => ({ rowId: `r${i}`, question })),
    poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 },
  });
  return handle.result();
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
