/**
 * The opening activity (openConversation) creates a conversation and submits its first turn in one activity. It
 * must stay exactly-once like the two activities it replaces: 429s, lost replies and a refused first question never
 * create a second conversation nor ask a question twice; under a worker rate limit it makes one request only.
 */
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { STARTER_FLAGS, type ConversationResult, type PollSchedule, type TurnMode } from '../../common/types';
import { apiTaskQueue } from '../../common/names';
import { expectedAnswer } from '../../simulator';
import { inputOfConversation } from '../../batch/start';
import { parseAskRequest } from '../../library/request';
import { startConversation, startStackForTest, type TestStack, type TestStackOptions } from '../helpers/stack';

const EventType = temporal.api.enums.v1.EventType;
const fastPoll: PollSchedule = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000, inlineMs: 30_000 };

/** Starts `conversations` (each a list of questions) on a fresh stack and waits for every result. */
async function askConversations(
  options: TestStackOptions,
  conversations: string[][],
  mode: TurnMode = 'poll',
): Promise<{ stack: TestStack; results: ConversationResult[]; activityTypes: string[][] }> {
  const stack = await startStackForTest(options);
  const handles = await Promise.all(
    conversations.map((questions, c) =>
      startConversation(stack, {
        conversationKey: `c${c}`,
        turns: questions.map((question, t) => ({ rowId: `c${c}-t${t}`, question })),
        poll: fastPoll,
        mode,
      }),
    ),
  );
  const results = await Promise.all(handles.map((h) => h.result()));
  const activityTypes = await Promise.all(
    handles.map(async (h) =>
      (await h.fetchHistory()).events!.flatMap((e) =>
        e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          ? [e.activityTaskScheduledEventAttributes!.activityType!.name!]
          : [],
      ),
    ),
  );
  return { stack, results, activityTypes };
}

function expectAllAnswered(results: ConversationResult[], conversations: string[][]) {
  for (const [c, result] of results.entries()) {
    for (const [t, turn] of result.turns.entries()) {
      expect(turn.status, `${conversations[c]![t]}: ${turn.errorMessage ?? ''}`).toBe('COMPLETED');
      expect(turn.answer).toBe(expectedAnswer(conversations[c]![t]!));
    }
  }
}

/** Every question reached the simulator exactly once, and each workflow made exactly one conversation. */
function expectEachAskedOnce(stack: TestStack, conversations: string[][]) {
  const stats = stack.sim.stats();
  expect(stats.conversationsCreated).toBe(conversations.length);
  for (const question of conversations.flat()) expect(stats.submissionsByQuestion[question], question).toBe(1);
}

const twoTurns = (n: number, tag: string) =>
  Array.from({ length: n }, (_, c) => [`${tag} ${c}: first question`, `${tag} ${c}: second question`]);

describe('opening a conversation with its first turn', () => {
  it('answers a single-turn conversation with one activity', async () => {
    const conversations = [['What is the guest Wi-Fi?']];
    const { stack, results, activityTypes } = await askConversations(
      { simulator: { answerDelayMs: 300 } },
      conversations,
    );
    expectAllAnswered(results, conversations);
    expect(activityTypes[0]).toEqual(['openConversation']);
    expectEachAskedOnce(stack, conversations);
  });

  it('429s on both POSTs never create a second conversation nor ask twice, and are counted', async () => {
    const conversations = twoTurns(8, 'rate limited');
    const { stack, results } = await askConversations(
      { simulator: { answerDelayMs: 200, rate429: 0.35, retryAfter: 'none', seed: 5 } },
      conversations,
    );
    expectAllAnswered(results, conversations);
    expectEachAskedOnce(stack, conversations);
    const rejectedPosts = stack.sim.requests().filter((r) => r.method === 'POST' && r.status === 429);
    expect(rejectedPosts.some((r) => r.route.endsWith('/conversations'))).toBe(true);
    expect(rejectedPosts.some((r) => r.route.endsWith('/responses'))).toBe(true);
    const counted = results.flatMap((r) => r.turns).reduce((n, turn) => n + (turn.http429s ?? 0), 0);
    expect(counted).toBe(stack.sim.requests().filter((r) => r.status === 429).length);
  });

  it('replies lost after the API committed both POSTs are reconciled, in stream mode too', async () => {
    const conversations = twoTurns(6, 'dropped stream');
    const { stack, results } = await askConversations(
      { simulator: { answerDelayMs: 200, commitThenDropRate: 0.5, seed: 3 } },
      conversations,
      'stream',
    );
    expectAllAnswered(results, conversations);
    const dropped = stack.sim.requests().filter((r) => r.fault === 'commit-then-drop' && r.method === 'POST');
    expect(dropped.some((r) => r.route.endsWith('/conversations'))).toBe(true);
    expectEachAskedOnce(stack, conversations);
  });

  it('a refused first question ends that turn; the second is still asked, in the same conversation', async () => {
    const conversations = [['refused first [sim:refuse=422]', 'asked after the refusal']];
    const { stack, results } = await askConversations({ simulator: { answerDelayMs: 200 } }, conversations);
    const [refused, second] = results[0]!.turns;
    expect(refused?.status).toBe('ERROR');
    expect(refused?.errorCode).toBe('UNPROCESSABLE_ENTITY');
    expect(second?.status).toBe('COMPLETED');
    expect(second?.answer).toBe(expectedAnswer('asked after the refusal'));
    expect(refused?.conversationId).toBeTruthy();
    expect(second?.conversationId).toBe(refused?.conversationId);
    expect(stack.sim.stats().conversationsCreated).toBe(1);
  });

  it('under a worker rate limit, the opening activity only creates the conversation: one request per activity', async () => {
    const conversations = twoTurns(3, 'worker rps');
    const { stack, results, activityTypes } = await askConversations(
      { rps: 50, simulator: { answerDelayMs: 300 } },
      conversations,
    );
    expectAllAnswered(results, conversations);
    expectEachAskedOnce(stack, conversations);
    for (const types of activityTypes) expect(types.slice(0, 2)).toEqual(['openConversation', 'submitTurn']);
    // No faults, so no retries: one request per activity.
    expect(activityTypes.flat().length).toBe(stack.sim.requests().length);
  });
});

describe('the input of a new workflow', () => {
  const eventTypes = async (handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) =>
    (await handle.fetchHistory()).events!.map((e) => EventType[e.eventType!]);

  it("opens with the first turn without a patch marker when its starter says so; an older starter's input still gets one", async () => {
    const stack = await startStackForTest({ simulator: { answerDelayMs: 200 } });
    const question = (tag: string) => `Where is the ${tag} printer?`;
    // What `submit` and the library start (the flag), and an input as starters before it wrote them (no flag).
    const fromSubmit = inputOfConversation(
      'b-now',
      { key: 'c1', rows: [{ rowId: 'r1', question: question('new'), line: 2, extra: {} }] },
      {
        poll: fastPoll,
      },
    );
    const { opensWithFirstTurn, httpOnWorkflowQueue, ...older } = fromSubmit;
    expect({ opensWithFirstTurn, httpOnWorkflowQueue }).toEqual(STARTER_FLAGS);
    expect(parseAskRequest({ idempotencyKey: 'k1', question: 'q' }).input).toMatchObject(STARTER_FLAGS);
    const oldInput = {
      ...older,
      ...{ opensWithFirstTurn: undefined, httpOnWorkflowQueue: undefined },
      batchId: 'b-old',
      turns: [{ rowId: 'r1', question: question('old') }],
    };
    const [current, legacy] = [await startConversation(stack, fromSubmit), await startConversation(stack, oldInput)];
    for (const handle of [current, legacy]) expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const [currentEvents, legacyEvents] = [await eventTypes(current), await eventTypes(legacy)];
    // Both ask through the opening activity alone…
    for (const events of [currentEvents, legacyEvents]) {
      expect(events.filter((e) => e === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(1);
    }
    // …but only the older input costs a marker and a TemporalChangeVersion upsert (a visibility write).
    expect(currentEvents).not.toContain('EVENT_TYPE_MARKER_RECORDED');
    expect(currentEvents).not.toContain('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES');
    expect(legacyEvents).toContain('EVENT_TYPE_MARKER_RECORDED');
    expect(currentEvents.length).toBeLessThan(legacyEvents.length);
    expectEachAskedOnce(stack, [[question('new')], [question('old')]]);
  });
});

describe('the task queue of the HTTP activities', () => {
  it("is the workflow's own without a rate limit (eager dispatch), the API queue under one and for an older input", async () => {
    const stack = await startStackForTest({ simulator: { answerDelayMs: 800 } });
    const question = (tag: string) => `Which queue asks the ${tag} question?`;
    // Polls inline for 300 ms only: the answer (800 ms) is found by fetchResponse activities on timers.
    const briefInline: PollSchedule = { ...fastPoll, inlineMs: 300 };
    const starts = {
      own: { poll: briefInline },
      limited: { poll: { ...fastPoll, inlineMs: 0 } },
      older: { poll: briefInline, opensWithFirstTurn: undefined, httpOnWorkflowQueue: undefined },
    };
    const queues: Record<string, string[]> = {};
    for (const [tag, settings] of Object.entries(starts)) {
      const turns = [{ rowId: 'r1', question: question(tag) }];
      const handle = await startConversation(stack, { conversationKey: tag, turns, ...settings });
      expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
      queues[tag] = (await handle.fetchHistory()).events!.flatMap(
        (e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? [],
      );
    }
    const api = apiTaskQueue(stack.taskQueue);
    expect(queues.own!.length).toBeGreaterThan(1); // the opening activity and at least one poll
    expect(new Set(queues.own)).toEqual(new Set([stack.taskQueue]));
    expect(new Set(queues.limited)).toEqual(new Set([api]));
    expect(new Set(queues.older)).toEqual(new Set([api]));
    expectEachAskedOnce(stack, [[question('own')], [question('limited')], [question('older')]]);
  });
});

describe('what a terminal response says beyond its text', () => {
  it("keeps a FAILED response's error, and marks a COMPLETED one without an answer message NO_OUTPUT", async () => {
    const conversations = [['this one fails [sim:fail]'], ['handed to a live agent [sim:no-output]'], ['answered']];
    const { results } = await askConversations({ simulator: { answerDelayMs: 200 } }, conversations);
    const [failed, handedOff, answered] = results.map((r) => r.turns[0]!);
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'SIMULATED_FAILURE' });
    expect(failed?.errorMessage).toBeTruthy();
    expect(handedOff).toMatchObject({ status: 'COMPLETED', answer: '', errorCode: 'NO_OUTPUT' });
    expect(answered?.status).toBe('COMPLETED');
    expect(answered?.errorCode).toBeUndefined();
  });
});

describe('a status the API does not document', () => {
  it('ends the turn at its deadline with UNKNOWN_STATUS when the status reads like an end state', async () => {
    const stack = await startStackForTest({ simulator: { answerDelayMs: 200 } });
    const handle = await startConversation(stack, {
      turns: [{ rowId: 'r1', question: 'cancelled on the server side [sim:status=CANCELLED]' }],
      poll: fastPoll,
      deadlineMs: 2_500,
    });
    const [turn] = (await handle.result()).turns;
    expect(turn).toMatchObject({ status: 'TIMED_OUT', errorCode: 'UNKNOWN_STATUS' });
    expect(turn?.errorMessage).toContain('CANCELLED');
  });
});
