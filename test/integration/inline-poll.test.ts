/**
 * Poll mode's first polls run inside the submitting activity (activities/inline-poll.ts); later ones, and every
 * poll after a failed one, on durable timers. What a user sees: the same answers, shorter histories, one
 * submission per question whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult, PollSchedule } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { startStackForTest, type TestStack, type TestStackOptions } from '../helpers/stack';

const EventType = temporal.api.enums.v1.EventType;

/** The running test's stack (closed when that test ends). */
let stack: TestStack | undefined;

interface Asked {
  results: ConversationResult[];
  /** Per question: the event types of its workflow's history. */
  histories: temporal.api.enums.v1.EventType[][];
}

async function askAll(options: TestStackOptions, questions: string[], poll: PollSchedule): Promise<Asked> {
  stack = await startStackForTest(options);
  const batchId = `b-${randomUUID()}`;
  const handles = await Promise.all(
    questions.map((question, i) => {
      const input: ConversationInput = {
        batchId,
        conversationKey: `c${i}`,
        turns: [{ rowId: `r${i}`, question }],
        poll,
      };
      return stack!.client.workflow.start(CONVERSATION_WORKFLOW_TYPE, {
        taskQueue: stack!.taskQueue,
        workflowId: `${batchId}/c${i}`,
        args: [input],
      });
    }),
  );
  const results = await Promise.all(handles.map((h) => h.result() as Promise<ConversationResult>));
  const histories = await Promise.all(
    handles.map(async (h) => ((await h.fetchHistory()).events ?? []).map((e) => e.eventType!)),
  );
  return { results, histories };
}

/** Polls 200 ms apart at first, inline for the first `inlineMs`. */
const fastPoll = (inlineMs: number): PollSchedule => ({ firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000, inlineMs });

const count = (types: temporal.api.enums.v1.EventType[], type: temporal.api.enums.v1.EventType) =>
  types.filter((t) => t === type).length;

/** The questions the simulator accepted (a POST answered 5xx by a fault left nothing behind). */
function submittedTexts(s: TestStack): string[] {
  return s.sim
    .requests()
    .filter((r) => r.method === 'POST' && r.route.endsWith('/responses') && r.status >= 200 && r.status < 300)
    .map((r) => (r.body as { input: { text: string } }).input.text);
}

describe('inline polls', () => {
  it('answers a quick question inside the activity that opened the conversation: no timer, one activity, two workflow tasks', async () => {
    const question = 'What is the Wi-Fi password for guests?';
    const { results, histories } = await askAll({ simulator: { answerDelayMs: 600 } }, [question], fastPoll(3000));
    const [turn] = results[0]!.turns;
    expect(turn?.status).toBe('COMPLETED');
    expect(turn?.answer).toBe(expectedAnswer(question));
    const [history] = histories;
    expect(count(history!, EventType.EVENT_TYPE_TIMER_STARTED)).toBe(0);
    expect(count(history!, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(1);
    expect(count(history!, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(2);
    expect(history!.length).toBeLessThanOrEqual(13); // with the patch marker
    // Every GET counts as an attempt: create + submit + the inline polls.
    const gets = stack!.sim.requests().filter((r) => r.method === 'GET').length;
    expect(gets).toBeGreaterThan(0);
    expect(turn?.attempts).toBe(2 + gets);
    expect(submittedTexts(stack!)).toEqual([question]);
  });

  it('hands a slow answer over to durable timers after the window, without asking again', async () => {
    const question = 'Summarise the travel policy';
    const { results, histories } = await askAll({ simulator: { answerDelayMs: 2500 } }, [question], fastPoll(600));
    expect(results[0]!.turns[0]?.status).toBe('COMPLETED');
    expect(results[0]!.turns[0]?.answer).toBe(expectedAnswer(question));
    expect(count(histories[0]!, EventType.EVENT_TYPE_TIMER_STARTED)).toBeGreaterThan(0);
    expect(submittedTexts(stack!)).toEqual([question]);
  });

  it('hands over after a failed inline poll, and every question is still asked exactly once', async () => {
    const questions = Array.from({ length: 20 }, (_, i) => `flaky network question ${i}`);
    const { results, histories } = await askAll(
      { simulator: { answerDelayMs: 800, rate5xx: 0.15, seed: 7 } },
      questions,
      fastPoll(5000),
    );
    expect(results.map((r) => r.turns[0]?.status)).toEqual(questions.map(() => 'COMPLETED'));
    expect(results.map((r) => r.turns[0]?.answer)).toEqual(questions.map(expectedAnswer));
    expect(submittedTexts(stack!).sort()).toEqual([...questions].sort());
    // At 15 % 5xx, one of the ~60 inline polls failed, and its workflow went on polling from timers.
    const handedOver = histories.filter((h) => count(h, EventType.EVENT_TYPE_TIMER_STARTED) > 0);
    expect(handedOver.length).toBeGreaterThan(0);
  });

  it('polls only from the workflow when the worker enforces a rate limit: one request per activity', async () => {
    const question = 'How many vacation days do I have?';
    const { results, histories } = await askAll(
      { rps: 50, simulator: { answerDelayMs: 600 } },
      [question],
      fastPoll(3000),
    );
    expect(results[0]!.turns[0]?.status).toBe('COMPLETED');
    const [history] = histories;
    const requests = stack!.sim.requests().length;
    expect(count(history!, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(requests);
    expect(count(history!, EventType.EVENT_TYPE_TIMER_STARTED)).toBe(requests - 2);
  });
});
