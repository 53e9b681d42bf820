/**
 * Never ask twice: a submission whose reply is lost, cut or slow is found again before it is repeated, by what the
 * workflow knows (the response ids of earlier turns), not by position; and a 404 or 409 while the API settles is
 * waited out instead of ending the row. Each case counts the questions the simulator received.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationResult } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { startConversation, startStackForTest, type TestStack } from '../helpers/stack';

/** The running test's stack (closed when that test ends). */
let stack: TestStack | undefined;

const fastPoll = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000, inlineMs: 0 };

function turnsOf(questions: string[]) {
  return questions.map((question, i) => ({ rowId: `r${i}`, question }));
}

/** How many responses the simulator created for each question text. */
function submissions(): Record<string, number> {
  return stack!.sim.stats().submissionsByQuestion;
}

function expectAnswered(result: ConversationResult, questions: string[]) {
  for (const [i, turn] of result.turns.entries()) {
    expect(turn.status, `${questions[i]}: ${turn.errorMessage ?? ''}`).toBe('COMPLETED');
    expect(turn.answer).toBe(expectedAnswer(questions[i]!));
  }
}

describe('never asked twice', () => {
  it('a refused turn does not shift the look-up of later turns whose reply was lost', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 100, commitThenDropRate: 0.5, seed: 7 } });
    const conversations = Array.from({ length: 6 }, (_, c) => [
      `conversation ${c} refused [sim:refuse=422]`,
      `conversation ${c} second`,
      `conversation ${c} third`,
    ]);
    const results = await Promise.all(
      conversations.map(async (questions, c) =>
        (
          await startConversation(stack!, { conversationKey: `c${c}`, turns: turnsOf(questions), poll: fastPoll })
        ).result(),
      ),
    );
    const dropped = stack.sim
      .requests()
      .filter((r) => r.fault === 'commit-then-drop' && r.route.endsWith('/responses'));
    expect(dropped.length).toBeGreaterThan(0);
    for (const [c, result] of results.entries()) {
      const [refused, ...rest] = result.turns;
      expect(refused?.status).toBe('ERROR');
      expect(refused?.errorCode).toBe('UNPROCESSABLE_ENTITY');
      expectAnswered({ ...result, turns: rest }, conversations[c]!.slice(1));
      for (const question of conversations[c]!.slice(1)) expect(submissions()[question], question).toBe(1);
    }
  });

  // A guard for the look-up by response ids: the messages of earlier turns with the same text are not this turn's.
  it('two turns with the same text in one conversation are each asked once', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 100, commitThenDropRate: 0.5, seed: 3 } });
    const conversations = Array.from({ length: 6 }, (_, c) => [`conversation ${c}: reset my VPN`, 'yes', 'yes']);
    const results = await Promise.all(
      conversations.map(async (questions, c) =>
        (
          await startConversation(stack!, { conversationKey: `c${c}`, turns: turnsOf(questions), poll: fastPoll })
        ).result(),
      ),
    );
    for (const [c, result] of results.entries()) expectAnswered(result, conversations[c]!);
    expect(submissions().yes).toBe(12);
    for (const result of results) {
      expect(stack.sim.stats().responsesCreated[result.conversationId!]).toBe(3);
      expect(new Set(result.turns.map((t) => t.responseId)).size).toBe(3);
    }
  });
});

describe('streams that fail before naming the response', () => {
  it.each(['cut', 'error', 'not-sse'])(
    'stream-early=%s: the turn is found again and answered, asked once',
    async (early) => {
      stack = await startStackForTest({ simulator: { answerDelayMs: 300 } });
      const questions = [`a stream that fails early [sim:stream-early=${early}]`];
      const handle = await startConversation(stack, { turns: turnsOf(questions), poll: fastPoll, mode: 'stream' });
      const result = await handle.result();
      expectAnswered(result, questions);
      expect(submissions()[questions[0]!]).toBe(1);
    },
  );

  it('a 200 JSON answer instead of a stream: the response it names is polled, with no look-up and no second POST', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 300 } });
    const questions = ['a proxy that buffers the stream [sim:stream-early=not-sse]'];
    for (const inlineMs of [0, undefined]) {
      const poll = { ...fastPoll, inlineMs };
      const handle = await startConversation(stack, { turns: turnsOf(questions), poll, mode: 'stream' });
      const result = await handle.result();
      expectAnswered(result, questions);
      expect(result.turns[0]?.attempts).toBeGreaterThan(1); // the POST, then polls of the named response
    }
    expect(submissions()[questions[0]!]).toBe(2); // once per conversation
    const routes = stack.sim.requests().map((r) => `${r.method} ${r.route}`);
    expect(routes.filter((r) => r.endsWith('/responses/stream'))).toHaveLength(2);
    expect(routes.filter((r) => r.endsWith('/messages'))).toEqual([]);
  });

  it('a POST still on its way when the heartbeat timeout would fire is not asked again', async () => {
    // The server takes 14 s to commit the POST: past the stream activity's 10 s heartbeat timeout.
    stack = await startStackForTest({ simulator: { answerDelayMs: 200 }, timeoutMs: 30_000 });
    const questions = ['a slow server [sim:commit-delay=14000]'];
    const handle = await startConversation(stack, { turns: turnsOf(questions), poll: fastPoll, mode: 'stream' });
    const result = await handle.result();
    expectAnswered(result, questions);
    // Count the POSTs themselves: a second one would still be held by the slow server when the turn ends.
    const posts = stack.sim.requests().filter((r) => r.method === 'POST' && r.route.endsWith('/responses/stream'));
    expect(posts).toHaveLength(1);
  });
});

describe('an API that settles', () => {
  it('a 404 on the first polls of a just-created response is waited out', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 200, notFoundAfterCreateMs: 8_000 } });
    const questions = ['not visible at once'];
    const result = await (await startConversation(stack, { turns: turnsOf(questions), poll: fastPoll })).result();
    expectAnswered(result, questions);
    expect(stack.sim.requests().some((r) => r.fault === 'not-found-after-create')).toBe(true);
    expect(submissions()[questions[0]!]).toBe(1);
  });

  it('a 409 while the previous turn settles is waited out', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 200, conflictWhileSettlingMs: 8_000 } });
    const questions = ['first turn', 'second turn, right after'];
    const result = await (await startConversation(stack, { turns: turnsOf(questions), poll: fastPoll })).result();
    expectAnswered(result, questions);
    expect(stack.sim.requests().some((r) => r.fault === 'conflict-while-settling')).toBe(true);
    for (const question of questions) expect(submissions()[question]).toBe(1);
  });
});
