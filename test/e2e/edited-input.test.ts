/**
 * Re-submitting to a fixed `--batch` after editing a question (or title) under the same id must not attach to the
 * old workflow and hand back the old answer: the CLI compares each conversation's input hash (a memo on its
 * workflow) before starting anything, and refuses with exit 2 naming the row.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput } from '../../common/types';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });

const submit = (file: string, batch: string, out: string, extra: string[] = []) =>
  runCli(['submit', file, '--batch', batch, '--out', out, ...extra], env);

describe('mwbatch submit after the questions changed under a fixed --batch', () => {
  it('refuses a question edited under the same id, naming the row; asks nothing and leaves the results alone', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const lines = ['id,question', 'keep,What is the VPN address?', 'edit,How do I reset my password?'];
    const file = writeCsv(dir, 'q.csv', lines);
    expect((await submit(file, 'e2e-edited', out)).code).toBe(0);
    const resultsBefore = readFileSync(join(out, 'results.csv'), 'utf8');
    const requestsBefore = stack.sim.requests().length;

    writeCsv(dir, 'q.csv', [lines[0]!, lines[1]!, 'edit,How do I reset my badge?']);
    const again = await submit(file, 'e2e-edited', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file}:3`);
    expect(again.stderr).toContain('id edit');
    expect(again.stderr).toContain('--batch');
    expect(again.stderr).toContain('nothing was submitted');
    expect(again.stderr).not.toContain(`${file}:2`); // the unchanged row is not blamed
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(stack.sim.requests()).toHaveLength(requestsBefore);
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe(resultsBefore);

    // Into a fresh folder, attaching would write the old answer next to the new question: refused the same way.
    const elsewhere = join(dir, 'elsewhere');
    const fresh = await submit(file, 'e2e-edited', elsewhere);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toContain(`${file}:3`);
    expect(existsSync(join(elsewhere, 'results.csv'))).toBe(false);
    expect(stack.sim.requests()).toHaveLength(requestsBefore);
  });

  it('attaches whatever the options (deadline, mode), but refuses an edited title', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const file = writeCsv(dir, 'q.csv', [
      'id,question,conversation,title',
      't1,First,chat,Old title',
      't2,Second,chat,',
    ]);
    expect((await submit(file, 'e2e-edited-title', out)).code).toBe(0);
    const requestsBefore = stack.sim.requests().length;

    const otherOptions = await submit(file, 'e2e-edited-title', join(dir, 'o2'), [
      '--deadline',
      '60s',
      '--mode',
      'stream',
    ]);
    expect(otherOptions.code).toBe(0);
    expect(readResultsCsv(join(dir, 'o2')).map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);

    writeCsv(dir, 'q.csv', ['id,question,conversation,title', 't1,First,chat,New title', 't2,Second,chat,']);
    const edited = await submit(file, 'e2e-edited-title', join(dir, 'o3'));
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain(`${file}:2`);
    expect(edited.stderr).toContain('id t1');
    expect(stack.sim.requests()).toHaveLength(requestsBefore);
  });

  it('says how to stop a still-running conversation whose question was edited', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'slow,never answered [sim:never]']);
    const started = await submit(file, 'e2e-edited-running', join(dir, 'o1'), ['--no-wait']);
    expect(started.code).toBe(0);
    writeCsv(dir, 'q.csv', ['id,question', 'slow,answered at last? [sim:never]']);
    const edited = await submit(file, 'e2e-edited-running', join(dir, 'o2'), ['--no-wait']);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain(`${file}:2`);
    expect(edited.stderr).toContain('mwbatch cancel e2e-edited-running');
    expect((await stack.client.workflow.count('BatchId="e2e-edited-running"')).count).toBe(1);
    expect((await runCli(['cancel', 'e2e-edited-running'], env)).code).toBe(0);
  });

  it('accepts a workflow started by an older mwbatch, without the input memo', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'old,Asked by an older version']);
    const input: ConversationInput = {
      batchId: 'e2e-edited-legacy',
      conversationKey: 'old',
      turns: [{ rowId: 'old', question: 'Asked by an older version', line: 2 }],
    };
    const legacy = await stack.client.workflow.start(CONVERSATION_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: 'e2e-edited-legacy/old',
      args: [input],
      typedSearchAttributes: [{ key: BATCH_ID, value: 'e2e-edited-legacy' }],
    });
    const { conversationId } = await legacy.result();
    const requestsBefore = stack.sim.requests().length;
    const out = join(dir, 'out');
    const run = await submit(file, 'e2e-edited-legacy', out);
    expect(run.code, run.stderr).toBe(0);
    expect(readResultsCsv(out).map((r) => r.status)).toEqual(['COMPLETED']);
    // No API call for this batch (another test's cancelled conversation may still be finishing its last poll).
    const mine = stack.sim
      .requests()
      .slice(requestsBefore)
      .filter((r) => r.conversationId === undefined || r.conversationId === conversationId);
    expect(mine).toEqual([]);
  });
});
