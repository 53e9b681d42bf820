/**
 * Records the workflow histories (conversations, evaluation runs and their cases) that test/replay/replay.test.ts
 * replays against the current code.
 * Each scenario runs for real (dev server, worker, simulator over HTTP), checks that the history shows what the
 * scenario is about, and saves it as test/replay/histories/<scenario><REPLAY_SUFFIX>.json. Recorded histories are
 * kept, never overwritten. Not part of the normal suite: run it with
 * `npx vitest run --config test/replay/vitest.record.config.mts` (see test/replay/README.md).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import {
  BATCH_ID,
  CONVERSATION_WORKFLOW_TYPE,
  conversationWorkflowId,
  EVALUATION_RUN_WORKFLOW_TYPE,
  evaluationBatchId,
  evaluationCaseWorkflowId,
  evaluationRunWorkflowId,
  QUESTION_GROUP_WORKFLOW_TYPE,
  questionGroupWorkflowId,
} from '../../common/names';
import {
  STARTER_FLAGS,
  resolveTurnSettings,
  type ConversationInput,
  type ConversationResult,
  type PollSchedule,
  type QuestionGroupInput,
  type QuestionGroupResult,
} from '../../common/types';
import { answerKey } from '../../evaluation/normalise';
import { scheduledRunInput, scheduledWorkflowId } from '../../evaluation/schedules';
import { suiteName } from '../../evaluation/suite';
import type {
  BaselineDigest,
  EvaluationConversation,
  EvaluationRunInput,
  EvaluationTurn,
  RowChecks,
  RunSummary,
  StartedRun,
  TurnVerdict,
} from '../../evaluation/types';
import { actionQuestion, expectedAnswer, MORE_ACTION_LABEL, type RecordedRequest } from '../../simulator';
import type { evaluationRunWorkflow } from '../../workflows';
import { SUITE_HASH_MEMO } from '../../common/names';
import { tempDir } from '../helpers/batch';
import { startTestStack, type TestStack, type TestStackOptions } from '../helpers/stack';
import { answeredInGroupActivity } from '../helpers/group-activity';
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

/** Starts a scenario's stack, unless a history it records is there already (recorded histories are kept). */
async function startScenario(scenarios: string[], options: TestStackOptions): Promise<TestStack> {
  for (const scenario of scenarios) {
    const path = historyPath(scenario);
    if (existsSync(path)) {
      throw new Error(`${path} exists: recorded histories are kept; set REPLAY_SUFFIX (e.g. -v2) to record beside it`);
    }
  }
  stack = await startTestStack(options);
  return stack;
}

async function start(
  scenario: string,
  options: TestStackOptions,
  input: Partial<ConversationInput> & Pick<ConversationInput, 'turns'>,
): Promise<Handle> {
  const { client, taskQueue } = await startScenario([scenario], options);
  // As today's starters write an input (batch/start.ts, library/request.ts): with the flags they add.
  const full: ConversationInput = {
    batchId: `replay-${scenario}-${randomUUID()}`,
    conversationKey: 'c1',
    ...STARTER_FLAGS,
    ...input,
  };
  return client.workflow.start<ConversationWorkflow>(CONVERSATION_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: conversationWorkflowId(full.batchId, full.conversationKey),
    args: [full],
  });
}

/**
 * Saves the history of a finished workflow; it must hold neither the simulator's token nor its client secret, nor
 * any other secret the scenario gives (a webhook URL).
 */
function save(scenario: string, history: History, secrets: string[] = []) {
  const json = historyToJson(history);
  for (const secret of [stack!.sim.config.token, stack!.sim.config.clientSecret, ...secrets]) {
    expect(json).not.toContain(secret);
  }
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

/** The workflow types of the children the workflow started, in order. */
function children(history: History): string[] {
  return events(history).flatMap(
    (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? [],
  );
}

/** The most children running at once: a run's window. */
function maxChildrenInFlight(history: History): number {
  let running = 0;
  let max = 0;
  for (const e of events(history)) {
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) max = Math.max(max, ++running);
    if (e.childWorkflowExecutionCompletedEventAttributes || e.childWorkflowExecutionFailedEventAttributes) running -= 1;
  }
  return max;
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
    expect(activities(history)).toEqual(['openConversation']);
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
    expect(activities(history).slice(0, 2)).toEqual(['openConversation', 'fetchResponse']);
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
    expect(activities(history)).toEqual(['openConversation']);
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
    expect(activities(history).slice(0, 2)).toEqual(['openConversation', 'fetchResponse']);
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('stream-fallback', history);
  });

  it('rate-limited: an inline poll gets a 429, and the workflow waits out Retry-After on a timer', async () => {
    const handle = await start(
      'rate-limited',
      { simulator: { answerDelayMs: 2_500, rate429: 0.3, seed: 1 } },
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
    expect(activities(history)).toEqual(['openConversation', 'submitTurn', 'submitTurn']);
    save('multi-turn', history);
  });

  it('press-button: v1, a button of the first answer pressed by its label, then a label it did not offer', async () => {
    const question = 'How do I request a new laptop?';
    const handle = await start(
      'press-button',
      { simulator: { answerDelayMs: 800 }, baseUrl: (sim) => sim.baseUrls.v1 },
      {
        turns: [
          { rowId: 'r1', question },
          { rowId: 'r2', question: '', callbackId: `label:${MORE_ACTION_LABEL}` },
          { rowId: 'r3', question: '', callbackId: 'label:Approve' },
        ],
      },
    );
    const result = await handle.result();
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED', 'ERROR']);
    expect(result.turns[1]?.answer).toBe(expectedAnswer(actionQuestion(MORE_ACTION_LABEL, question)));
    expect(result.turns[2]?.errorCode).toBe('NO_SUCH_ACTION');
    const history = await handle.fetchHistory();
    // The press is one activity; the label nobody offered is none.
    expect(activities(history)).toEqual(['openConversation', 'submitTurn']);
    save('press-button', history);
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
    // Since the cancel-keeps-answers patch a cancelled conversation returns its turns, the open ones CANCELLED.
    expect((await handle.result()).turns[0]?.status).toBe('CANCELLED');
    const history = await handle.fetchHistory();
    expect(events(history).at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
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
    expect((await handle.result()).turns[0]?.status).toBe('CANCELLED');
    const history = await handle.fetchHistory();
    expect(events(history).some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
    expect(events(history).at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
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
    // The conversation the opening activity created carries the next turn.
    expect(result.turns[1]?.conversationId).toBe(result.turns[0]?.conversationId);
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

// --- Evaluation runs (workflows/evaluation-run.ts) and their cases (workflows/evaluation-case.ts) ---

const SUITE = 'replay';

/** A check every simulated answer passes. */
const answered: RowChecks = { contains: ['Simulated answer'] };

function evalTurn(rowId: string, question: string, line: number, checks: RowChecks = answered): EvaluationTurn {
  return { rowId, question, line, checks, tags: [], extra: {} };
}

/** A run's input as `mwbatch eval` builds it (evaluation/run-eval.ts evaluationInput), with a fresh run id. */
function evaluationRun(
  conversations: EvaluationConversation[],
  more: Pick<EvaluationRunInput, 'repeats' | 'window'> & Partial<EvaluationRunInput>,
): StartedRun {
  return {
    runId: `r-replay-${randomUUID().slice(0, 8)}`,
    suite: {
      name: SUITE,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb924',
      columns: ['id', 'question', 'conversation', 'expect_contains'],
    },
    conversations,
    settings: resolveTurnSettings({}),
    ...more,
  };
}

/** Starts a run as `mwbatch eval` does: its derived workflow id, the BatchId of its conversations, the suite's hash. */
function startEvaluation(input: StartedRun) {
  return stack!.client.workflow.start<typeof evaluationRunWorkflow>(EVALUATION_RUN_WORKFLOW_TYPE, {
    taskQueue: stack!.taskQueue,
    workflowId: evaluationRunWorkflowId(input.suite.name, input.runId),
    args: [input],
    typedSearchAttributes: [{ key: BATCH_ID, value: evaluationBatchId(input.suite.name, input.runId) }],
    memo: { [SUITE_HASH_MEMO]: input.suite.sha256 },
  });
}

/** A webhook receiver on localhost answering 200; its path is the secret part of its URL. */
async function startWebhook(): Promise<{ url: string; secretPath: string; bodies: string[] }> {
  const secretPath = `/hooks/SECRET-${randomUUID()}`;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${secretPath}`, secretPath, bodies };
}

type GroupWorkflow = (input: QuestionGroupInput) => Promise<QuestionGroupResult>;

/** Starts a question group as `submit --per-workflow` does (batch/groups.ts): one turn per conversation. */
async function startGroup(
  scenario: string,
  options: TestStackOptions,
  questions: string[],
  settings: Partial<Pick<QuestionGroupInput, 'deadlineMs' | 'poll' | 'mode'>>,
  atOnce?: number,
): Promise<WorkflowHandle<GroupWorkflow>> {
  const { client, taskQueue } = await startScenario([scenario], options);
  const batchId = `replay-${scenario}-${randomUUID()}`;
  const input: QuestionGroupInput = {
    batchId,
    groupIndex: 0,
    conversations: questions.map((question, i) => ({
      conversationKey: `r${i + 1}`,
      turns: [{ rowId: `r${i + 1}`, question, line: i + 2 }],
    })),
    ...(atOnce !== undefined && { atOnce }),
    ...resolveTurnSettings(settings),
    httpOnWorkflowQueue: STARTER_FLAGS.httpOnWorkflowQueue,
  };
  return client.workflow.start<GroupWorkflow>(QUESTION_GROUP_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: questionGroupWorkflowId(batchId, 0),
    args: [input],
  });
}

const statusesOf = (result: QuestionGroupResult) => result.conversations.map((c) => c.turns[0]?.status);

describe('record question group histories', () => {
  it('group-poll: three questions at once: answered inline, refused, timed out on timers', async () => {
    const handle = await startGroup(
      'group-poll',
      { simulator: { answerDelayMs: 800 } },
      ['How do I reset my VPN password?', 'Refused [sim:refuse=422]', 'Never answered [sim:never]'],
      { deadlineMs: 3_000, poll: { ...fastPoll, inlineMs: 1_000 } },
    );
    expect(statusesOf(await handle.result())).toEqual(['COMPLETED', 'ERROR', 'TIMED_OUT']);
    const history = await handle.fetchHistory();
    expect(activities(history).filter((a) => a === 'openConversation')).toHaveLength(3);
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('group-poll', history);
  });

  it('group-stream: two questions streamed, one stream cut and polled', async () => {
    const handle = await startGroup(
      'group-stream',
      { simulator: { answerDelayMs: 800 } },
      ['Where is the travel policy?', 'A stream that breaks [sim:cut]'],
      { mode: 'stream', poll: fastPoll },
    );
    expect(statusesOf(await handle.result())).toEqual(['COMPLETED', 'COMPLETED']);
    const history = await handle.fetchHistory();
    expect(activities(history)).toContain('fetchResponse');
    save('group-stream', history);
  });

  it('group-cancel: cancelled while its questions poll on timers (inline polls off)', async () => {
    const handle = await startGroup('group-cancel', {}, ['Never answered [sim:never]', 'Nor this one [sim:never]'], {
      poll: { firstDelayMs: 300, factor: 10, maxDelayMs: 30_000, inlineMs: 0 },
    });
    await waitFor('two polls', () => stack!.sim.requests().filter((r) => isPoll(r) && r.status === 200).length >= 2);
    await handle.cancel();
    expect(statusesOf(await handle.result())).toEqual(['CANCELLED', 'CANCELLED']);
    const history = await handle.fetchHistory();
    expect(activities(history).slice(0, 2)).toEqual(['createConversation', 'createConversation']);
    expect(events(history).at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    save('group-cancel', history);
  });
});

// After the `group-opens-together` patch: one `openConversations` activity asks the group's questions, `atOnce` at a
// time, and hands back what it could not finish to `openConversation`.
describe('record question group histories, opened together', () => {
  it('group-together-poll: four questions, two at a time: answered, refused and handed back, never answered', async () => {
    const handle = await startGroup(
      'group-together-poll',
      { simulator: { answerDelayMs: 300 } },
      ['How do I reset my VPN password?', 'Refused [sim:refuse=422]', 'Never answered [sim:never]', 'Where is HR?'],
      { deadlineMs: 3_000, poll: { ...fastPoll, inlineMs: 1_000 } },
      2,
    );
    expect(statusesOf(await handle.result())).toEqual(['COMPLETED', 'ERROR', 'TIMED_OUT', 'COMPLETED']);
    const history = await handle.fetchHistory();
    // The refused question handed back to its own activity; the unanswered one polled on timers after its inline window.
    const [together, handedBack, ...polls] = activities(history);
    expect([together, handedBack]).toEqual(['openConversations', 'openConversation']);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((a) => a === 'fetchResponse')).toBe(true);
    expect(timers(history)).toBeGreaterThanOrEqual(1);
    save('group-together-poll', history);
  });

  it('group-together-stream: three questions streamed at once, one stream cut', async () => {
    const handle = await startGroup(
      'group-together-stream',
      { simulator: { answerDelayMs: 300 } },
      ['Where is the travel policy?', 'A stream that breaks [sim:cut]', 'Who approves expenses?'],
      { mode: 'stream', poll: fastPoll },
    );
    expect(statusesOf(await handle.result())).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    const history = await handle.fetchHistory();
    expect(activities(history)[0]).toBe('openConversations');
    save('group-together-stream', history);
  });

  it('group-together-cancel: cancelled while its activity holds one answer and waits for another', async () => {
    const handle = await startGroup(
      'group-together-cancel',
      { simulator: { answerDelayMs: 300 } },
      ['Answered before the cancel', 'Never answered [sim:never]'],
      { mode: 'stream', poll: fastPoll },
    );
    await waitFor('the first answer in the activity', async () =>
      (await answeredInGroupActivity(handle)).includes('r1'),
    );
    await handle.cancel();
    expect(statusesOf(await handle.result())).toEqual(['COMPLETED', 'CANCELLED']);
    const history = await handle.fetchHistory();
    expect(activities(history)).toEqual(['openConversations']);
    save('group-together-cancel', history);
  });
});

describe('record evaluation workflow histories', () => {
  it('eval-run and eval-case: 3 conversations (one of 2 turns) × 2 repeats, window 2, a baseline, a failing check', async () => {
    await startScenario(['eval-run', 'eval-case'], { simulator: { answerDelayMs: 200 } });
    const q = {
      q1: 'Where is the VPN portal?',
      q2: 'Who approves my expenses?',
      q3: 'And above 500 euros?',
      q4: 'Where do I find my payslips?',
    };
    const baseline: BaselineDigest = {
      runId: 'r-baseline',
      questions: {
        q1: { passed: true, answerKeys: [answerKey(expectedAnswer(q.q1))] },
        q2: { passed: false, answerKeys: [answerKey('Ask your team assistant.')] },
        q3: { passed: true, answerKeys: [answerKey('The finance director approves it.')] },
      },
    };
    const input = evaluationRun(
      [
        { key: 'q1', turns: [evalTurn('q1', q.q1, 2)] },
        {
          key: 'expenses',
          conversation: 'expenses',
          turns: [evalTurn('q2', q.q2, 3), evalTurn('q3', q.q3, 4, { contains: ['finance director'] })],
        },
        { key: 'q4', turns: [evalTurn('q4', q.q4, 5)] },
      ],
      { repeats: 2, window: 2, baseline },
    );
    const handle = await startEvaluation(input);
    const { summary } = await handle.result();
    expect(summary).toMatchObject({
      run_id: input.runId,
      questions: 4,
      repeats: 2,
      passed: 3,
      failed: 1,
      errors: 0,
      flaky: [],
      regressions: ['q3'],
      fixed: ['q2'],
      changed_answers: ['q2', 'q3'],
      baseline_run_id: 'r-baseline',
    });
    const history = await handle.fetchHistory();
    expect(children(history)).toEqual(Array(6).fill('evaluationCaseWorkflow'));
    expect(maxChildrenInFlight(history)).toBe(2);
    expect(activities(history)).toEqual([]);
    expect(events(history).at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    save('eval-run', history);

    // One case: the two-turn conversation's first repeat, whose second turn fails its check.
    const caseHandle = stack!.client.workflow.getHandle(evaluationCaseWorkflowId(SUITE, input.runId, 'expenses', 1));
    const verdicts = (await caseHandle.result()) as TurnVerdict[];
    expect(verdicts.map((v) => [v.rowId, v.passed])).toEqual([
      ['q2', true],
      ['q3', false],
    ]);
    const caseHistory = await caseHandle.fetchHistory();
    expect(children(caseHistory)).toEqual([CONVERSATION_WORKFLOW_TYPE]);
    expect(activities(caseHistory)).toEqual(['checkConversation']);
    save('eval-case', caseHistory);
  });

  it('eval-run-continued: casesPerRun 2, so the run continues as new after two of its three cases', async () => {
    await startScenario(['eval-run-continued', 'eval-run-continued-last'], { simulator: { answerDelayMs: 200 } });
    const questions = ['Is the canteen open today?', 'Where do I park my bike?', 'Who runs the help desk?'];
    const input = evaluationRun(
      questions.map((question, i) => ({ key: `c${i + 1}`, turns: [evalTurn(`c${i + 1}`, question, i + 2)] })),
      { repeats: 1, window: 2, casesPerRun: 2 },
    );
    const handle = await startEvaluation(input);
    expect((await handle.result()).summary).toMatchObject({ questions: 3, passed: 3, failed: 0, errors: 0 });

    const first = await stack!.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(children(first)).toHaveLength(2);
    const continued = events(first).at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued?.newExecutionRunId).toBeTruthy();
    save('eval-run-continued', first);

    const last = await stack!.client.workflow
      .getHandle(handle.workflowId, continued!.newExecutionRunId!)
      .fetchHistory();
    expect(children(last)).toHaveLength(1);
    expect(events(last).at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    save('eval-run-continued-last', last);
  });

  it('eval-run-scheduled: a scheduled run reads its suite file, writes its files, notifies the webhook', async () => {
    const webhook = await startWebhook();
    await startScenario(['eval-run-scheduled'], {
      simulator: { answerDelayMs: 200 },
      env: { MWBATCH_NOTIFY_URL: webhook.url },
    });
    const suitePath = join(tempDir(), 'nightly.csv');
    const rows = [
      { id: 's1', question: 'Is the nightly VPN check fine?', expect_contains: 'Simulated answer' },
      { id: 's2', question: 'Does the nightly badge question pass?', expect_contains: 'Simulated answer' },
    ];
    writeFileSync(suitePath, stringify(rows, { header: true, columns: Object.keys(rows[0]!) }));
    const scheduleName = `replay-${randomUUID().slice(0, 8)}`;
    // As `mwbatch schedule create --suite-path` builds it: no rows, the worker reads the file when the run starts.
    const input = scheduledRunInput({
      suite: { name: suiteName(suitePath), sha256: '', columns: [] },
      conversations: [],
      suitePath,
      name: scheduleName,
      notify: 'always',
      repeats: 1,
      concurrency: 2,
      settings: resolveTurnSettings({}),
    });
    // Started directly, with the id a schedule gives its runs: replay needs no Schedule behind it.
    const handle = await stack!.client.workflow.start<typeof evaluationRunWorkflow>(EVALUATION_RUN_WORKFLOW_TYPE, {
      taskQueue: stack!.taskQueue,
      workflowId: `${scheduledWorkflowId(input.suite.name, scheduleName)}-${new Date().toISOString()}`,
      args: [input],
    });
    const { summary } = await handle.result();
    expect(summary).toMatchObject({
      questions: 2,
      passed: 2,
      schedule: scheduleName,
      baseline_run_id: null,
      run_dir: join(stack!.runsDir, 'nightly', summary.run_id),
      notification: { delivered: true, attempts: 1 },
    });
    expect(webhook.bodies).toHaveLength(1);
    const written = JSON.parse(readFileSync(join(summary.run_dir!, 'summary.json'), 'utf8')) as RunSummary;
    expect(written.notification).toEqual(summary.notification);

    const history = await handle.fetchHistory();
    expect(activities(history)).toEqual([
      'describeSuite',
      'previousScheduledRun',
      'loadSuiteConversations',
      'writeScheduledRunFiles',
      'notifyRun',
      'writeRunSummary',
    ]);
    expect(children(history)).toEqual(['evaluationCaseWorkflow', 'evaluationCaseWorkflow']);
    save('eval-run-scheduled', history, [webhook.url, webhook.secretPath]);
  });
});
