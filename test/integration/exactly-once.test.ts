/**
 * Exactly once per row: POSTs that the API commits but whose reply never arrives are reconciled before they are
 * repeated, so each conversation is created once and each turn submitted once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { startStackForTest } from '../helpers/stack';

describe('exactly once', () => {
  it('reuses what a dropped POST created instead of creating it again', async () => {
    const stack = await startStackForTest({ simulator: { answerDelayMs: 200, commitThenDropRate: 0.5, seed: 11 } });
    const batchId = `b-${randomUUID()}`;
    const conversations = Array.from({ length: 8 }, (_, c) => ({
      key: `c${c}`,
      turns: [0, 1].map((t) => ({ rowId: `c${c}-t${t}`, question: `conversation ${c}, turn ${t}` })),
    }));
    const results = await Promise.all(
      conversations.map(({ key, turns }) =>
        stack.client.workflow.execute<(i: ConversationInput) => Promise<ConversationResult>>(
          CONVERSATION_WORKFLOW_TYPE,
          {
            taskQueue: stack.taskQueue,
            workflowId: `${batchId}/${key}`,
            args: [
              { batchId, conversationKey: key, turns, poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 } },
            ],
          },
        ),
      ),
    );
    for (const result of results) {
      for (const turn of result.turns) {
        expect(turn.status).toBe('COMPLETED');
        expect(turn.answer).toBe(
          expectedAnswer(conversations.flatMap((c) => c.turns).find((t) => t.rowId === turn.rowId)!.question),
        );
      }
    }
    const dropped = stack.sim.requests().filter((r) => r.fault === 'commit-then-drop');
    expect(dropped.length).toBeGreaterThan(2);
    const stats = stack.sim.stats();
    expect(stats.conversationsCreated).toBe(conversations.length);
    expect(Object.values(stats.responsesCreated)).toEqual(conversations.map(() => 2));
  });
});
