/**
 * Pressing a button an answer offered (v1 `input.callback_id`): a turn names the button by its label or its ID, the
 * workflow finds its ID among the previous answer's actions, and the press is sent once, however its replies are
 * lost, in poll and in stream mode. A label the previous answer did not offer ends the turn without a request.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationResult, TurnInput } from '../../common/types';
import { actionQuestion, expectedAnswer, MORE_ACTION_LABEL } from '../../simulator';
import { startConversation, startStackForTest, type TestStack } from '../helpers/stack';

let stack: TestStack | undefined;

const fastPoll = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 };
const PRESS_MORE = `label:${MORE_ACTION_LABEL}`;

/** A conversation: a question, then a press of the answer's "Tell me more", twice. */
function pressingTurns(question: string): TurnInput[] {
  return [
    { rowId: 'ask', question },
    { rowId: 'more', question: 'tell me more, please', callbackId: PRESS_MORE },
    { rowId: 'more-again', question: '', callbackId: PRESS_MORE.toUpperCase().replace('LABEL:', 'label:  ') },
  ];
}

/** What the simulator answers each turn: a press stands for the question of the turn whose button it pressed. */
function expectedTexts(question: string): string[] {
  const once = actionQuestion(MORE_ACTION_LABEL, question);
  return [question, once, actionQuestion(MORE_ACTION_LABEL, once)];
}

function expectPressed(result: ConversationResult, question: string) {
  const texts = expectedTexts(question);
  for (const [i, turn] of result.turns.entries()) {
    expect(turn.status, `${turn.rowId}: ${turn.errorMessage ?? ''}`).toBe('COMPLETED');
    expect(turn.answer).toBe(expectedAnswer(texts[i]!));
  }
  // Every text reached the API once: no press was sent twice, none was lost.
  for (const text of texts) expect(stack!.sim.stats().submissionsByQuestion[text], text).toBe(1);
}

describe('pressing a button the previous answer offered (v1 API)', () => {
  it.each(['poll', 'stream'] as const)(
    '%s mode: each press is sent once although half the POST replies are lost',
    async (mode) => {
      stack = await startStackForTest({
        simulator: { answerDelayMs: 150, commitThenDropRate: 0.5, seed: 11 },
        baseUrl: (sim) => sim.baseUrls.v1,
      });
      const questions = Array.from({ length: 4 }, (_, c) => `conversation ${c} (${mode}): how do I reset my VPN?`);
      const results = await Promise.all(
        questions.map(async (question, c) =>
          (
            await startConversation(stack!, {
              conversationKey: `c${c}`,
              turns: pressingTurns(question),
              poll: fastPoll,
              mode,
            })
          ).result(),
        ),
      );
      const dropped = stack.sim.requests().filter((r) => r.fault === 'commit-then-drop' && /\/responses/.test(r.route));
      expect(dropped.length).toBeGreaterThan(0);
      for (const [c, result] of results.entries()) expectPressed(result, questions[c]!);
      // The presses went out as input.callback_id with the IDs the answers offered.
      const pressedIds = stack.sim
        .conversations()
        .flatMap((c) => c.turns)
        .flatMap((turn) => (turn.pressed_callback_id ? [turn.pressed_callback_id] : []));
      expect(pressedIds).toHaveLength(8);
    },
  );

  it('a label the previous answer did not offer ends the turn (NO_SUCH_ACTION) without a request', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 100 }, baseUrl: (sim) => sim.baseUrls.v1 });
    const question = 'open a ticket for my laptop';
    const turns: TurnInput[] = [
      { rowId: 'ask', question },
      { rowId: 'approve', question: 'approve it', callbackId: 'label:Approve' },
      { rowId: 'after', question: 'and then?' },
    ];
    const result = await (await startConversation(stack, { turns, poll: fastPoll })).result();
    const [asked, approve, after] = result.turns;
    expect(asked?.status).toBe('COMPLETED');
    expect(approve).toMatchObject({ status: 'ERROR', errorCode: 'NO_SUCH_ACTION', attempts: 0 });
    expect(approve?.errorMessage).toContain(`"Approve"`);
    expect(approve?.errorMessage).toContain(`"${MORE_ACTION_LABEL}"`);
    expect(after?.status).toBe('COMPLETED');
    expect(stack.sim.stats().responsesCreated[result.conversationId!]).toBe(2);
  });

  it('the beta API cannot press: the turn says to set MOVEWORKS_API=v1, and nothing is sent', async () => {
    stack = await startStackForTest({ simulator: { answerDelayMs: 100 } });
    const turns: TurnInput[] = [
      { rowId: 'ask', question: 'what is my PTO balance?' },
      { rowId: 'press', question: '', callbackId: 'an-id-from-somewhere' },
    ];
    const result = await (await startConversation(stack, { turns, poll: fastPoll })).result();
    expect(result.turns[1]).toMatchObject({ status: 'ERROR', errorCode: 'UNSUPPORTED_INPUT' });
    expect(result.turns[1]?.errorMessage).toContain('MOVEWORKS_API=v1');
    expect(stack.sim.stats().responsesCreated[result.conversationId!]).toBe(1);
  });
});
