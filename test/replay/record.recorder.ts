/**
 * Records the conversation workflow's histories that test/replay/replay.test.ts replays against the current code.
 * Each scenario runs for real (dev server, worker, simulator over HTTP), checks that the history shows what the
 * scenario is about, and saves it as test/replay/histories/<scenario><REPLAY_SUFFIX>.json. Recorded histories are
 * kept, never overwritten. Not part of the normal suite: run it with
 * `npx vitest run --config test/replay/vitest.record.config.mts` (see test/replay/README.md).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { CONVERSATION_WORKFLOW_TYPE, conversationWorkflowId } from '../../common/names';
import type { ConversationInput, ConversationResult, PollSchedule } from '../../common/types';
import type { RecordedRequest } from '../../simulator';
import { startTestStack, type TestStack, type TestStackOptions } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { historyToJson } from './history-json';

const HISTORIES_DIR = join(__dirname, 'histories');

/** Where a scenario's history goes; REPLAY_SUFFIX (e.g. `-v2`) records beside the histories already there. */
function historyPath(scenario: string): string {
  return join(HISTORIES_DIR, `${scenario}${process.env.REPLAY_SUFFIX ?? ''}.json`);
}

type ConversationWorkflow = (input: ConversationInput) => Promise<ConversationResult>;
type Handle = WorkflowHandle<ConversationWorkflow>;
type History = temporal.api.history.v1.IHistory;

/** Polls every few hundred ms, so a scenario that must reach the workflow's timers does so in seconds. */
const fastPoll: PollSchedule = { firstDelayMs: 300, factor: 1.5, maxDelayMs: 1000 };

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(
  scenario: string,
  options: TestStackOptions,
  input: Partial<ConversationInput> & Pick<ConversationInput, 'turns'>,
): Promise<Handle> {
  const path = historyPath(scenario);
  if (existsSync(path)) {
    throw new Error(`${path} exists: recorded histories are kept; set REPLAY_SUFFIX (e.g. -v2) to record beside it`);
  }
  stack = await startTestStack(options);
  const full: ConversationInput = { batchId: `replay-${scenario}-${randomUUID()}`, conversationKey: 'c1', ...input };
  return stack.client.workflow.start<ConversationWorkflow>(CONVERSATION_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: conversationWorkflowId(full.batchId, full.conversationKey),
    args: [full],
  });
}

/** Saves the history of a finished workflow; it must hold neither the simulator's token nor its client secret. */
function save(scenario: string, history: History) {
  const json = historyToJson(history);
  expect(json).not.toContain(stack!.sim.config.token);
  expect(json).not.toContain(stack!.sim.config.clientSecret);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(historyPath(scenario), json);
}

// --- Reading a history, to check a scenario recorded what it is named after ---

function events(history: History) {
  return history.events ?? [];
}

/** Activity types in the order the workflow scheduled them. */
function activities(history: History): string[] {
  return events(history).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

function timers(history: History): number {
  return events(history).filter((e) => e.timerStartedEventAttributes).length;
}

/** The highest attempt any activity got to: above 1 means the server retried it. */
function maxActivityAttempt(history: History): number {
  return Math.max(...events(history).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1));
}

function answered429(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.status === 429);
}

const isPoll = (r: RecordedRequest) => r.method === 'GET' && r.route.endsWith('/responses/{response_id}');

describe('record conversation workflow histories', () => {
  it('poll-inline: the answer comes within the inline-poll window', async () => {
    const handle = await start(
      'poll-inline',
      { simulator: { answerDelayMs: 800 } },
      {
        turns: [{ rowId: 'r1', question: 'How do I reset my VPN password?' }],
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(activities(history)).toEqual(['createConversation', 'submitTurn']);
    expect(timers(history)).toBe(0);
    save('poll-inline', history);
  });

  it('poll-timers: the answer comes after the inline window, so later polls run on durable timers', async () => {
    const handle = await start(
      'poll-timers',
      { simulator: { answerDelayMs: 3_000 } },
      {
        turns: [{ rowId: 'r1', question: 'Where is the travel policy?' }],
        poll: { ...fastPoll, inlineMs: 1_000 },
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(activities(history).slice(0, 3)).toEqual(['createConversation', 'submitTurn', 'fetchResponse']);
    expect(timers(history)).toBeGreaterThanOrEqual(2);
    save('poll-timers', history);
  });

  it('stream: the answer comes over SSE', async () => {
    const handle = await start(
      'stream',
      { simulator: { answerDelayMs: 800 } },
      {
        turns: [{ rowId: 'r1', question: 'What is the holiday calendar?' }],
        mode: 'stream',
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(activities(history)).toEqual(['createConversation', 'streamTurn']);
    save('stream', history);
  });

  it('stream-fallback: the stream is cut after the response id, so the turn is polled', async () => {
    const handle = await start(
      'stream-fallback',
      { simulator: { answerDelayMs: 1_500 } },
      {
        turns: [{ rowId: 'r1', question: 'How do I expense a taxi? [sim:cut]' }],
        mode: 'stream',
        poll: fastPoll,
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(activities(history).slice(0, 3)).toEqual(['createConversation', 'streamTurn', 'fetchResponse']);
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('stream-fallback', history);
  });

  it('rate-limited: an inline poll gets a 429, and the workflow waits out Retry-After on a timer', async () => {
    const handle = await start(
      'rate-limited',
      { simulator: { answerDelayMs: 2_500, rate429: 0.3, seed: 7 } },
      {
        turns: [{ rowId: 'r1', question: 'Can I carry over vacation days?' }],
        poll: fastPoll,
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(answered429(stack!.sim.requests()).some(isPoll)).toBe(true);
    // The answer is due inside the 5 s inline window: a timer means the 429 handed the polls to the workflow.
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('rate-limited', history);
  });

  it('rate-limited-timers: every poll on a timer, 429s retried by the server after Retry-After', async () => {
    const handle = await start(
      'rate-limited-timers',
      { simulator: { answerDelayMs: 2_000, rate429: 0.4, seed: 3 } },
      {
        turns: [{ rowId: 'r1', question: 'Who approves my timesheet?' }],
        poll: { ...fastPoll, inlineMs: 0 },
      },
    );
    expect((await handle.result()).turns[0]?.status).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    expect(answered429(stack!.sim.requests()).length).toBeGreaterThan(0);
    expect(maxActivityAttempt(history)).toBeGreaterThan(1);
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('rate-limited-timers', history);
  });

  it('multi-turn: three turns in one conversation', async () => {
    const questions = ['What is our parental leave?', 'And for adoption?', 'Who do I tell first?'];
    const handle = await start(
      'multi-turn',
      { simulator: { answerDelayMs: 800 } },
      {
        turns: questions.map((question, i) => ({ rowId: `r${i + 1}`, question })),
      },
    );
    const result = await handle.result();
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    const history = await handle.fetchHistory();
    expect(activities(history)).toEqual(['createConversation', 'submitTurn', 'submitTurn', 'submitTurn']);
    save('multi-turn', history);
  });

  it('cancel: the client cancels while the workflow polls on timers', async () => {
    const handle = await start(
      'cancel',
      {},
      {
        turns: [{ rowId: 'r1', question: 'This one is never answered [sim:never]' }],
        poll: { firstDelayMs: 300, factor: 10, maxDelayMs: 30_000, inlineMs: 0 },
      },
    );
    await waitFor('the first poll', () => stack!.sim.requests().some((r) => isPoll(r) && r.status === 200));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    expect(events(history).at(-1)?.workflowExecutionCanceledEventAttributes).toBeTruthy();
    save('cancel', history);
  });

  it('cancel-inline: the client cancels while the submitting activity polls inline', async () => {
    const handle = await start(
      'cancel-inline',
      {},
      {
        turns: [{ rowId: 'r1', question: 'This one is never answered either [sim:never]' }],
      },
    );
    await waitFor('the first inline poll', () => stack!.sim.requests().some((r) => isPoll(r) && r.status === 200));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    expect(events(history).some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
    expect(events(history).at(-1)?.workflowExecutionCanceledEventAttributes).toBeTruthy();
    save('cancel-inline', history);
  });

  it('refused-turn: the API refuses a turn (400), the next turn is answered', async () => {
    const handle = await start(
      'refused-turn',
      { simulator: { answerDelayMs: 800 } },
      {
        turns: [
          { rowId: 'r1', question: '' },
          { rowId: 'r2', question: 'How do I book a meeting room?' },
        ],
      },
    );
    const result = await handle.result();
    expect(result.turns.map((t) => [t.status, t.errorCode])).toEqual([
      ['ERROR', 'INVALID_INPUT'],
      ['COMPLETED', undefined],
    ]);
    save('refused-turn', await handle.fetchHistory());
  });

  it('timed-out: no answer before the turn deadline', async () => {
    const handle = await start(
      'timed-out',
      {},
      {
        turns: [{ rowId: 'r1', question: 'Nobody knows [sim:never]' }],
        poll: fastPoll,
        deadlineMs: 3_000,
      },
    );
    const result = await handle.result();
    expect(result.turns[0]?.status).toBe('TIMED_OUT');
    save('timed-out', await handle.fetchHistory());
  });
});
