/**
 * Never hang, never lose an answer: a conversation whose answers together pass Temporal's payload and history
 * limits still completes with every answer; a cancelled conversation keeps the answers it already had.
 */
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { progressQuery } from '../../workflows';
import { startConversation, startStackForTest } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const fastPoll = { firstDelayMs: 100, factor: 1.5, maxDelayMs: 500, inlineMs: 2_000 };

describe('bounded results and history', () => {
  it('cancelling a conversation keeps the answers of the turns that had ended', async () => {
    const stack = await startStackForTest({ simulator: { answerDelayMs: 100 } });
    const questions = ['answered before the cancel', 'still thinking [sim:never]', 'never reached'];
    const handle = await startConversation(stack, {
      turns: questions.map((question, i) => ({ rowId: `r${i}`, question })),
      poll: { ...fastPoll, inlineMs: 0 }, // polls on timers: the workflow knows the pending response's id
    });
    await waitFor('the second turn to be submitted', async () => {
      const progress = await handle.query(progressQuery);
      return progress.turnsDone === 1 && progress.currentResponseId !== undefined;
    });
    await handle.cancel();
    const result = await handle.result();
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'CANCELLED', 'CANCELLED']);
    expect(result.turns[0]?.answer).toBe(expectedAnswer(questions[0]!));
    expect(result.turns[1]?.responseId).toMatch(/^resp_/);
    expect(result.turns[2]?.responseId).toBeUndefined();
  });
});
