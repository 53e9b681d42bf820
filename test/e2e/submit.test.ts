/**
 * The bulk job through the real `mwbatch` process: a worker and the simulator run in the test, the CLI is
 * spawned as a user runs it, against the shared Temporal dev server.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { expectedAnswer } from '../../simulator';
import { conversationRequestsSince, readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 300 } });

const postedQuestions = () =>
  stack.sim
    .requests()
    .filter((r) => r.method === 'POST' && r.route.endsWith('/responses'))
    .map((r) => ({ conversationId: r.conversationId, text: (r.body as { input: { text: string } }).input.text }));

describe('mwbatch submit', () => {
  it('answers every row, keeps extra columns and asks multi-turn rows in order in one conversation', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'questions.csv', [
      'id,question,conversation,team',
      'a,What is the VPN address?,,IT',
      't1,"First turn, with a comma",chat,HR',
      'b,"A question with a ""quote""",,IT',
      't2,Second turn,chat,HR',
      't3,Third turn,chat,HR',
    ]);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-basic', '--out', out, '--deadline', '30s'], env);
    expect(run.stderr).toContain('COMPLETED');
    expect(run.code).toBe(0);

    const rows = readResultsCsv(out);
    expect(rows.map((r) => r.id).sort()).toEqual(['a', 'b', 't1', 't2', 't3']);
    for (const row of rows) {
      expect(row.status).toBe('COMPLETED');
      expect(row.answer).toBe(expectedAnswer(row.question!));
      expect(row.workflow_id).toMatch(/^e2e-basic\//);
    }
    expect(rows.find((r) => r.id === 'a')?.team).toBe('IT');
    const turns = rows.filter((r) => r.conversation === 'chat');
    expect(new Set(turns.map((r) => r.conversation_id)).size).toBe(1);
    const asked = postedQuestions().filter((q) => q.conversationId === turns[0]?.conversation_id);
    expect(asked.map((q) => q.text)).toEqual(['First turn, with a comma', 'Second turn', 'Third turn']);
  });

  it('--inline-polls 0 puts every poll on a durable timer: one request per activity', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', 'timer polled 1', 'timer polled 2']);
    const before = stack.sim.requests().length;
    const args = ['submit', file, '--batch', 'e2e-timers', '--out', join(dir, 'out'), '--inline-polls', '0'];
    expect((await runCli(args, env)).code).toBe(0);
    const requests = conversationRequestsSince(stack.sim, before).length;
    let activities = 0;
    let timers = 0;
    for await (const wf of stack.client.workflow.list({ query: 'BatchId="e2e-timers"' })) {
      const events = (await stack.client.workflow.getHandle(wf.workflowId).fetchHistory()).events ?? [];
      activities += events.filter((e) => e.activityTaskScheduledEventAttributes).length;
      timers += events.filter((e) => e.timerStartedEventAttributes).length;
    }
    expect(activities).toBe(requests);
    expect(timers).toBe(requests - 2 * 2); // every GET after a timer; create and submit of 2 questions without
  });

  it('re-running a finished batch makes no new API call and writes no duplicate row', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', 'once only 1', 'once only 2']);
    const out = join(dir, 'out');
    expect((await runCli(['submit', file, '--batch', 'e2e-rerun', '--out', out], env)).code).toBe(0);
    const before = stack.sim.requests().length;
    const again = await runCli(['submit', file, '--batch', 'e2e-rerun', '--out', out], env);
    expect(again.code).toBe(0);
    expect(stack.sim.requests().length).toBe(before);
    expect(readResultsCsv(out)).toHaveLength(2);
    // And from another folder, the answers are re-collected from Temporal, still without an API call.
    const elsewhere = join(dir, 'elsewhere');
    expect((await runCli(['submit', file, '--batch', 'e2e-rerun', '--out', elsewhere], env)).code).toBe(0);
    expect(stack.sim.requests().length).toBe(before);
    expect(readResultsCsv(elsewhere).map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('exits 1 when a row does not end COMPLETED, and retry-failed re-asks only those rows', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', [
      'id,question',
      'ok1,fine question',
      'bad,doomed question [sim:fail]',
      'ok2,also fine',
    ]);
    const out = join(dir, 'out');
    const first = await runCli(['submit', file, '--batch', 'e2e-retry', '--out', out], env);
    expect(first.code).toBe(1);
    const firstRows = readResultsCsv(out);
    expect(firstRows.find((r) => r.id === 'bad')?.status).toBe('FAILED');
    const askedBefore = postedQuestions().length;

    const retry = await runCli(['retry-failed', 'e2e-retry', '--out', out], env);
    expect(retry.code).toBe(1); // the doomed row fails again
    const asked = postedQuestions()
      .slice(askedBefore)
      .map((q) => q.text);
    expect(asked).toEqual(['doomed question [sim:fail]']);
    const rows = readResultsCsv(out);
    expect(rows).toHaveLength(3);
    const bad = rows.find((r) => r.id === 'bad');
    expect(bad?.workflow_id).toBe('e2e-retry/bad/retry-1');
    expect(bad?.response_id).not.toBe(firstRows.find((r) => r.id === 'bad')?.response_id);
    expect(rows.find((r) => r.id === 'ok1')?.response_id).toBe(firstRows.find((r) => r.id === 'ok1')?.response_id);
  });

  it('cancel stops a running batch and results reports its rows as CANCELLED', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'n1,never answered [sim:never]', 'n2,nor this [sim:never]']);
    const started = await runCli(['submit', file, '--batch', 'e2e-cancel', '--no-wait', '--out', join(dir, 'o')], env);
    expect(started.code).toBe(0);
    const cancel = await runCli(['cancel', 'e2e-cancel'], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain('2 running workflows');
    const out = join(dir, 'collected');
    let collect = await runCli(['results', 'e2e-cancel', '--out', out], env);
    // Cancellation is asynchronous: collect until nothing is running any more.
    for (let i = 0; i < 50 && collect.stderr.includes('1 workflows still running'); i++) {
      collect = await runCli(['results', 'e2e-cancel', '--out', out], env);
    }
    expect(collect.code).toBe(1);
    expect(readResultsCsv(out).map((r) => r.status)).toEqual(['CANCELLED', 'CANCELLED']);
    // Temporal shows a cancelled conversation that returned what it had as Completed; its answers say CANCELLED.
    const status = await runCli(['status', 'e2e-cancel', '--out', out], env);
    expect(status.stdout).toMatch(/answers in .*\n\s+CANCELLED\s+2/);
  });
});
