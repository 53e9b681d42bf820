/**
 * `submit --per-workflow N` through the real `mwbatch` process: single-turn questions asked N to a workflow, each
 * exactly once across reruns, an edited file, another results folder, `results`, `retry-failed` and `cancel`; and the
 * batch keeps the choice of its first submission.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { answeredInGroupActivity } from '../helpers/group-activity';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 300 } });

/** How many times the simulator was asked each question, by text. */
function timesAsked(): Map<string, number> {
  const asked = new Map<string, number>();
  for (const r of stack.sim.requests()) {
    if (r.method !== 'POST' || !/\/responses(\/stream)?$/.test(r.route)) continue;
    const text = (r.body as { input: { text: string } }).input.text;
    asked.set(text, (asked.get(text) ?? 0) + 1);
  }
  return asked;
}

async function workflowIds(batchId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: `BatchId="${batchId}"` })) ids.push(wf.workflowId);
  return ids.sort();
}

const lone = (ids: string[]) => ['id,question', ...ids.map((id) => `${id},grouped question ${id}`)];

describe('mwbatch submit --per-workflow', () => {
  it('asks lone rows in groups and conversations on their own, each question once, and reruns ask nothing', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', [
      'id,question,conversation',
      ...['g1', 'g2', 'g3', 'g4'].map((id) => `${id},grouped question ${id},`),
      't1,first turn of chat,chat',
      ...['g5', 'g6', 'g7'].map((id) => `${id},grouped question ${id},`),
      't2,second turn of chat,chat',
    ]);
    const out = join(dir, 'out');
    const args = ['submit', file, '--batch', 'e2e-grouped', '--out', out, '--per-workflow', '3'];
    const run = await runCli(args, env);
    expect(run.code, run.stderr).toBe(0);

    const rows = readResultsCsv(out);
    expect(rows.map((r) => r.id)).toEqual(['g1', 'g2', 'g3', 'g4', 't1', 'g5', 'g6', 'g7', 't2']);
    for (const row of rows) {
      expect(row.status).toBe('COMPLETED');
      expect(row.answer).toBe(expectedAnswer(row.question!));
    }
    const workflowOf = Object.fromEntries(rows.map((r) => [r.id, r.workflow_id]));
    expect(workflowOf).toEqual({
      g1: 'e2e-grouped~group-0',
      g2: 'e2e-grouped~group-0',
      g3: 'e2e-grouped~group-0',
      g4: 'e2e-grouped~group-1',
      g5: 'e2e-grouped~group-1',
      g6: 'e2e-grouped~group-1',
      g7: 'e2e-grouped~group-2',
      t1: 'e2e-grouped/c-chat',
      t2: 'e2e-grouped/c-chat',
    });
    // Each lone question in a conversation of its own; the two turns in one.
    expect(new Set(rows.map((r) => r.conversation_id)).size).toBe(8);
    expect([...timesAsked().values()].every((n) => n === 1)).toBe(true);
    expect(timesAsked().size).toBe(9);

    // The same command again, then into another folder: answers from the results, then from Temporal; no request.
    const before = stack.sim.requests().length;
    expect((await runCli(args, env)).code).toBe(0);
    const elsewhere = join(dir, 'elsewhere');
    const again = await runCli(
      ['submit', file, '--batch', 'e2e-grouped', '--out', elsewhere, '--per-workflow', '3'],
      env,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(stack.sim.requests().length).toBe(before);
    expect(readResultsCsv(elsewhere).map((r) => [r.id, r.answer, r.workflow_id])).toEqual(
      rows.map((r) => [r.id, r.answer, r.workflow_id]),
    );

    // `results` rebuilds the same rows from Temporal alone.
    const rebuilt = join(dir, 'rebuilt');
    const collected = await runCli(['results', 'e2e-grouped', '--out', rebuilt], env);
    expect(collected.code, collected.stderr).toBe(0);
    const byId = (list: Record<string, string>[]) =>
      Object.fromEntries(list.map((r) => [r.id, [r.status, r.answer, r.conversation_id, r.workflow_id]]));
    expect(byId(readResultsCsv(rebuilt))).toEqual(byId(rows));
  });

  it('--at-once K: a group asks K of its questions at a time, the next once one is answered, each once', async () => {
    const dir = tempDir();
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'];
    const file = writeCsv(dir, 'q.csv', lone(ids));
    const out = join(dir, 'out');
    const args = ['submit', file, '--batch', 'e2e-at-once', '--out', out, '--per-workflow', '7', '--at-once', '2'];
    const run = await runCli(args, env);
    expect(run.code, run.stderr).toBe(0);
    const rows = readResultsCsv(out);
    expect(rows.map((r) => [r.id, r.status, r.workflow_id])).toEqual(
      ids.map((id) => [id, 'COMPLETED', 'e2e-at-once~group-0']),
    );
    for (const row of rows) expect(row.answer).toBe(expectedAnswer(row.question!));
    const asked = timesAsked();
    for (const id of ids) expect(asked.get(`grouped question ${id}`), id).toBe(1);
    // Two at a time: a question is asked only once one of the two before it has been answered (300 ms each).
    const posts = stack.sim
      .requests()
      .filter((r) => r.method === 'POST' && /\/responses(\/stream)?$/.test(r.route))
      .filter((r) => (r.body as { input: { text: string } }).input.text.startsWith('grouped question w'))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(posts).toHaveLength(7);
    for (let i = 2; i < posts.length; i++)
      expect(posts[i]! - posts[i - 2]!, `question ${i + 1}`).toBeGreaterThanOrEqual(300);
  });

  it('an edited file asks only its new rows, once each, in groups after the existing ones', async () => {
    const dir = tempDir();
    const first = writeCsv(dir, 'first.csv', lone(['e1', 'e2', 'e3', 'e4', 'e5']));
    const submit = (file: string, out: string, extra: string[] = []) =>
      runCli(['submit', file, '--batch', 'e2e-grouped-edit', '--out', out, '--per-workflow', '2', ...extra], env);
    expect((await submit(first, join(dir, 'one'))).code).toBe(0);
    expect(await workflowIds('e2e-grouped-edit')).toEqual([
      'e2e-grouped-edit~group-0',
      'e2e-grouped-edit~group-1',
      'e2e-grouped-edit~group-2',
    ]);

    // Rows answered and removed, kept rows moved, new rows between them; asked from a new folder.
    const edited = writeCsv(dir, 'edited.csv', lone(['n1', 'e4', 'n2', 'e2', 'n3']));
    const out = join(dir, 'two');
    const run = await submit(edited, out);
    expect(run.code, run.stderr).toBe(0);
    const rows = readResultsCsv(out);
    expect(rows.map((r) => [r.id, r.status])).toEqual(['n1', 'e4', 'n2', 'e2', 'n3'].map((id) => [id, 'COMPLETED']));
    const asked = timesAsked();
    for (const id of ['e1', 'e2', 'e3', 'e4', 'e5', 'n1', 'n2', 'n3']) {
      expect(asked.get(`grouped question ${id}`), id).toBe(1);
    }
    const workflowOf = Object.fromEntries(rows.map((r) => [r.id, r.workflow_id]));
    expect(workflowOf.e4).toBe('e2e-grouped-edit~group-1');
    expect(workflowOf.e2).toBe('e2e-grouped-edit~group-0');
    expect(workflowOf.n1).toBe('e2e-grouped-edit~group-3');
    expect(workflowOf.n2).toBe('e2e-grouped-edit~group-3');
    expect(workflowOf.n3).toBe('e2e-grouped-edit~group-4');

    // The batch asks two per workflow since its first submission, whatever a later one says.
    const later = writeCsv(dir, 'later.csv', lone(['m1', 'm2']));
    const third = await submit(later, join(dir, 'three'), ['--per-workflow', '1', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('batch e2e-grouped-edit asks 2 single-turn question(s) per workflow');
    expect(JSON.parse(third.stdout)).toMatchObject({ per_workflow: 2, started: 1, attached: 0 });
    expect(new Set(readResultsCsv(join(dir, 'three')).map((r) => r.workflow_id))).toEqual(
      new Set(['e2e-grouped-edit~group-5']),
    );
  });

  it('refuses a question edited under the same id in a group, naming the row, and asks nothing', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', lone(['x1', 'x2']));
    const args = (f: string, out: string) => ['submit', f, '--batch', 'e2e-grouped-changed', '--out', out];
    expect((await runCli([...args(file, join(dir, 'a')), '--per-workflow', '2'], env)).code).toBe(0);
    const before = stack.sim.requests().length;
    const edited = writeCsv(dir, 'edited.csv', ['id,question', 'x1,grouped question x1', 'x2,a different question']);
    const run = await runCli(args(edited, join(dir, 'b')), env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${edited}:3 (id x2)`);
    expect(run.stderr).toContain('e2e-grouped-changed~group-0');
    expect(stack.sim.requests().length).toBe(before);
  });

  it('a batch a workflow per conversation already holds stays so', async () => {
    const dir = tempDir();
    // As an mwbatch without groups left it: a conversation workflow, and no record of the batch's settings.
    const input: ConversationInput = {
      batchId: 'e2e-grouped-legacy',
      conversationKey: 'old',
      turns: [{ rowId: 'old', question: 'grouped question old', line: 2 }],
    };
    await stack.client.workflow.execute(CONVERSATION_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'e2e-grouped-legacy/old',
      args: [input],
      typedSearchAttributes: [{ key: BATCH_ID, value: 'e2e-grouped-legacy' }],
    });
    const file = writeCsv(dir, 'q.csv', lone(['old', 'new1', 'new2']));
    const out = join(dir, 'out');
    const run = await runCli(
      ['submit', file, '--batch', 'e2e-grouped-legacy', '--out', out, '--per-workflow', '5'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('asks 1 single-turn question(s) per workflow');
    expect(readResultsCsv(out).map((r) => r.workflow_id)).toEqual([
      'e2e-grouped-legacy/old',
      'e2e-grouped-legacy/new1',
      'e2e-grouped-legacy/new2',
    ]);
    expect(timesAsked().get('grouped question old')).toBe(1);
  });

  it('retry-failed asks a grouped row again in a workflow of its own; cancel ends a running group', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'ok1,grouped fine 1', 'bad,grouped doomed [sim:fail]']);
    const out = join(dir, 'out');
    const first = await runCli(
      ['submit', file, '--batch', 'e2e-grouped-retry', '--out', out, '--per-workflow', '2'],
      env,
    );
    expect(first.code).toBe(1);
    expect(readResultsCsv(out).map((r) => [r.id, r.status, r.workflow_id])).toEqual([
      ['ok1', 'COMPLETED', 'e2e-grouped-retry~group-0'],
      ['bad', 'FAILED', 'e2e-grouped-retry~group-0'],
    ]);
    const retry = await runCli(['retry-failed', 'e2e-grouped-retry', '--out', out], env);
    expect(retry.code).toBe(1);
    expect(readResultsCsv(out).find((r) => r.id === 'bad')?.workflow_id).toBe('e2e-grouped-retry/bad/retry-1');
    expect(timesAsked().get('grouped doomed [sim:fail]')).toBe(2);
    expect(timesAsked().get('grouped fine 1')).toBe(1);

    const never = writeCsv(dir, 'never.csv', ['id,question', 'n1,never answered [sim:never]', 'n2,grouped fine 2']);
    const started = await runCli(
      ['submit', never, '--batch', 'e2e-grouped-cancel', '--no-wait', '--per-workflow', '2', '--out', join(dir, 'o')],
      env,
    );
    expect(started.code, started.stderr).toBe(0);
    const handle = stack.client.workflow.getHandle('e2e-grouped-cancel~group-0');
    // Cancel once the group's activity holds the answerable question's answer (its heartbeat lists it, as the Web
    // UI shows it): the group returns it, and the other as CANCELLED.
    await waitFor('the group activity to hold its answer', async () =>
      (await answeredInGroupActivity(handle)).includes('n2'),
    );
    const cancel = await runCli(['cancel', 'e2e-grouped-cancel'], env);
    expect(cancel.stdout).toContain('1 running workflows');
    await handle.result();
    const collected = join(dir, 'collected');
    expect((await runCli(['results', 'e2e-grouped-cancel', '--out', collected], env)).code).toBe(1);
    expect(readResultsCsv(collected).map((r) => [r.id, r.status])).toEqual([
      ['n1', 'CANCELLED'],
      ['n2', 'COMPLETED'],
    ]);
  });
});
