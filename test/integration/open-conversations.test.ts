/**
 * One activity asking a group's conversations (activities/open-conversations.ts), run in Temporal's
 * MockActivityEnvironment against the simulator over HTTP: at most `atOnce` at a time, each asked once; whatever it
 * does not finish (a reply lost after the API committed, a cancellation, a retry after the worker died) is handed
 * back, and `openConversation` given the hand-back asks each of those exactly once, in the conversation already
 * created when there is one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type {
  OpenConversationInput,
  OpenConversationOutput,
  OpenConversationsInput,
  OpenConversationsOutput,
  OpeningCheckpoint,
} from '../../common/activity-types';
import { MoveworksClient, StaticTokenAuth } from '../../moveworks';
import { expectedAnswer, startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';
import { waitFor } from '../helpers/wait';

const ANSWER_MS = 400;
const run = { workflowId: 'batch~group-0', runId: 'run-1' };
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function activitiesOn(options: SimulatorOptions) {
  sim = await startSimulator({ answerDelayMs: ANSWER_MS, inProgressAfterMs: 100, ...options });
  const moveworks = new MoveworksClient({
    baseUrl: sim.baseUrl,
    assistantName: sim.config.assistantName,
    auth: new StaticTokenAuth(sim.config.token),
    timeoutMs: 2_000,
  });
  return createActivities({ moveworks });
}

function environment(info: Partial<Info>) {
  const heartbeats: unknown[] = [];
  const env = new MockActivityEnvironment(
    { attempt: 1, workflowExecution: run, scheduledTimestampMs: Date.now(), heartbeatTimeoutMs: 10_000, ...info },
    { logger: new DefaultLogger('WARN') },
  );
  // A copy: what the server would hold is what was sent then, not the activity's later state.
  env.on('heartbeat', (details: unknown) => heartbeats.push(structuredClone(details)));
  return { env, heartbeats };
}

function groupInput(questions: string[], mode: 'poll' | 'stream', atOnce: number): OpenConversationsInput {
  const poll = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1_000, inlineMs: 30_000 };
  return {
    conversations: questions.map((question, i) => ({
      markerKey: `c${i}`,
      firstQuestion: question,
      firstTurn: { question, rowId: `r${i}`, mode, ...(mode === 'poll' && { poll }) },
    })),
    atOnce,
    resultBudgetBytes: 1024 * 1024,
    perConversationMs: 30_000,
  };
}

/** Asks every handed-back conversation through openConversation, as the group workflow does. */
async function askHandedBack(
  activities: ReturnType<typeof createActivities>,
  input: OpenConversationsInput,
  output: OpenConversationsOutput,
  scheduledTimestampMs = Date.now(),
): Promise<OpenConversationOutput[]> {
  return Promise.all(
    output.conversations.map(async (entry, i) => {
      if ('opened' in entry) return entry.opened;
      const { markerKey, ...conversation } = input.conversations[i]!;
      const single: OpenConversationInput = { ...conversation, markerKey, handedBack: entry.handedBack };
      const { env } = environment({ activityId: `open-${markerKey}`, scheduledTimestampMs });
      return (await env.run(activities.openConversation, single)) as OpenConversationOutput;
    }),
  );
}

function expectEachAnsweredOnce(questions: string[], opened: OpenConversationOutput[]) {
  for (const [i, question] of questions.entries()) {
    const submitted = opened[i]!.submitted!;
    if (submitted.terminal) expect(submitted.answer, question).toBe(expectedAnswer(question));
    else expect(submitted.responseId, `${question}: the workflow polls it`).toBeTruthy();
  }
  const stats = sim!.stats();
  for (const question of questions) expect(stats.submissionsByQuestion[question], question).toBe(1);
  expect(stats.conversationsCreated).toBe(questions.length);
  expect(new Set(opened.map((o) => o.conversationId)).size).toBe(questions.length);
}

/** What openConversations heartbeats. */
type GroupBeat = { byKey: Record<string, OpeningCheckpoint> };

const questionsTagged = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} question ${i}`);

describe('openConversations: a group asked by one activity', () => {
  it.each(['stream', 'poll'] as const)('answers every conversation, at most atOnce at a time (%s)', async (mode) => {
    const activities = await activitiesOn({});
    const questions = questionsTagged(12, `window ${mode}`);
    const { env, heartbeats } = environment({});
    const output = (await env.run(
      activities.openConversations,
      groupInput(questions, mode, 4),
    )) as OpenConversationsOutput;

    const opened = output.conversations.map((entry) => ('opened' in entry ? entry.opened : undefined));
    expect(opened.every((o) => o?.submitted?.terminal && o.submitted.status === 'COMPLETED')).toBe(true);
    expectEachAnsweredOnce(questions, opened as OpenConversationOutput[]);
    // The fifth conversation waits for a first answer: no sooner than one answer time after the first.
    const created = sim!
      .requests()
      .filter((r) => r.method === 'POST' && r.route === '/conversations')
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(created[4]! - created[0]!).toBeGreaterThanOrEqual(ANSWER_MS);
    // The response ids were heartbeated by conversation key, for a retry to resume them.
    const last = heartbeats.at(-1) as GroupBeat;
    expect(Object.keys(last.byKey)).toContain('c0');
    expect(last.byKey.c0!.responseId).toBeTruthy();
  });

  it('poll mode: once ten answers are in, its later questions are first polled when answers come', async () => {
    const activities = await activitiesOn({});
    const questions = questionsTagged(24, 'learning');
    const { env } = environment({});
    const output = (await env.run(
      activities.openConversations,
      groupInput(questions, 'poll', 2),
    )) as OpenConversationsOutput;
    expect(output.conversations.every((entry) => 'opened' in entry)).toBe(true);
    // GetResponse polls per question, in the order asked. The schedule alone polls at 200 and 500 ms for an answer
    // due at 400 ms: two polls; timed from the first answers, one poll at 400 ms.
    const requests = sim!.requests();
    const questionOf = new Map(
      requests
        .filter((r) => r.method === 'POST' && /\/responses$/.test(r.route))
        .map((r) => [r.responseId, (r.body as { input: { text: string } }).input.text] as const),
    );
    const polls = new Map<string, number>();
    for (const r of requests) {
      if (r.method !== 'GET' || !r.route.endsWith('{response_id}')) continue;
      const question = questionOf.get(r.responseId)!;
      polls.set(question, (polls.get(question) ?? 0) + 1);
    }
    const pollsInOrder = questions.map((q) => polls.get(q));
    expect(
      pollsInOrder.slice(0, 10).every((n) => n! >= 2),
      `${pollsInOrder}`,
    ).toBe(true);
    expect(
      pollsInOrder.slice(12).every((n) => n === 1),
      `${pollsInOrder}`,
    ).toBe(true);
  });

  it('hands back what a lost reply left unknown; openConversation then asks each question once', async () => {
    const activities = await activitiesOn({ commitThenDropRate: 0.3, seed: 7 });
    const questions = questionsTagged(16, 'dropped');
    const input = groupInput(questions, 'stream', 5);
    const { env } = environment({});
    const output = (await env.run(activities.openConversations, input)) as OpenConversationsOutput;

    const handedBack = output.conversations.filter((entry) => 'handedBack' in entry);
    expect(handedBack.length, 'the seed drops some replies').toBeGreaterThan(0);
    sim!.configure({ commitThenDropRate: 0 });
    expectEachAnsweredOnce(questions, await askHandedBack(activities, input, output));
  });

  it.each([
    { held: 'its first heartbeat' as const, name: 'first' },
    { held: 'no heartbeat' as const, name: 'none' },
  ])(
    'a later attempt asks nothing; the server holding $held, openConversation finds what the first made',
    async ({ held, name }) => {
      const activities = await activitiesOn({ answerDelayMs: 1_500 });
      const questions = questionsTagged(9, `retried ${name}`);
      const input = groupInput(questions, 'stream', 3);
      // The first attempt is cut short, as by a worker that died, once three streams are open. The server holds its
      // first heartbeat (one response id, so two posted turns are in no checkpoint), or none at all (the marker
      // look-up must find all three conversations).
      const first = environment({});
      const firstRun = first.env.run(activities.openConversations, input);
      const streams = () => sim!.requests().filter((r) => r.route.endsWith('/responses/stream')).length;
      await waitFor('three open streams', () => streams() >= 3 && first.heartbeats.length > 0, 10_000);
      first.env.cancel();
      await firstRun.catch(() => undefined);
      const created = sim!.stats().conversationsCreated;
      expect(created).toBe(3);
      const stale = held === 'no heartbeat' ? undefined : (first.heartbeats[0] as GroupBeat);
      if (stale) expect(Object.values(stale.byKey).filter((c) => c.responseId).length).toBeLessThan(3);

      const second = environment({ attempt: 2, heartbeatDetails: stale });
      const output = (await second.env.run(activities.openConversations, input)) as OpenConversationsOutput;
      expect(output.conversations.every((entry) => 'handedBack' in entry)).toBe(true);
      expect(sim!.stats().conversationsCreated, 'the retry itself created nothing').toBe(created);
      // The hand-backs are asked ten minutes later, as after a long group: the look-ups search from the group's start.
      const later = await askHandedBack(activities, input, output, Date.now() + 10 * 60_000);
      expectEachAnsweredOnce(questions, later);
    },
  );
});
