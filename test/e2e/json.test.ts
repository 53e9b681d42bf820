/**
 * `--json` for scripts, through the real `mwbatch` process: one JSON document on stdout (parsed here), people's
 * text on stderr; `submit` without `--json` still gives its batch id and results folder on stdout. `status` and
 * `list` count through Temporal's count API, so a batch of more than 2,000 workflows is counted whole.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { RunSummary } from '../../evaluation/types';
import { tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 100 } });

const BATCH = 'e2e-json';
/** Where `submit` writes the batch (set by the first test, read by the others). */
let out: string;

interface Answers {
  results: string;
  rows: number;
  statuses: Record<string, number>;
}
interface BatchJson {
  batch: string;
  workflows: number;
  workflow_statuses: Record<string, number>;
  answers: Answers | null;
}

describe('mwbatch --json', () => {
  it('submit prints `batch <id> results <dir>` on stdout, or with --json one document of the run', async () => {
    const dir = tempDir();
    out = join(dir, 'out');
    const file = writeCsv(dir, 'q.csv', ['id,question', 'a,first question', 'b,second question [sim:fail]']);
    const plain = await runCli(['submit', file, '--batch', `${BATCH}-plain`, '--out', join(dir, 'plain')], env);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe(`batch ${BATCH}-plain results ${join(dir, 'plain')}\n`);
    expect(plain.stderr).toContain('COMPLETED');

    const run = await runCli(['submit', file, '--batch', BATCH, '--out', out, '--json'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('COMPLETED'); // the summary table, for people
    expect(JSON.parse(run.stdout)).toMatchObject({
      batch: BATCH,
      results: out,
      rows: 2,
      conversations: 2,
      per_workflow: 1,
      started: 2,
      attached: 0,
      skipped: 0,
      uncollected: 0,
      waited: true,
      statuses: { COMPLETED: 1, FAILED: 1 },
      exit_code: 1,
    });
    await waitFor('the batch counted closed', async () => {
      const { count } = await stack.client.workflow.count(`BatchId="${BATCH}" AND ExecutionStatus="Completed"`);
      return count === 2;
    });
  });

  it('status gives workflow statuses from Temporal and answer statuses from the results folder', async () => {
    const run = await runCli(['status', BATCH, '--out', out, '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout) as BatchJson).toEqual({
      batch: BATCH,
      workflows: 2,
      workflow_statuses: { COMPLETED: 2 },
      answers: { results: out, rows: 2, statuses: { COMPLETED: 1, FAILED: 1 } },
    });
    const elsewhere = await runCli(['status', BATCH, '--out', join(tempDir(), 'none'), '--json'], env);
    expect((JSON.parse(elsewhere.stdout) as BatchJson).answers).toBeNull();
  });

  it('results collects into a folder and describes it', async () => {
    const collected = join(tempDir(), 'collected');
    const run = await runCli(['results', BATCH, '--out', collected, '--json'], env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      batch: BATCH,
      results: collected,
      collected: 2,
      running: 0,
      rows: 2,
      statuses: { COMPLETED: 1, FAILED: 1 },
      exit_code: 1,
    });
  });

  it('list gives each recent batch with its workflow statuses', async () => {
    const run = await runCli(['list', '--limit', '200', '--json'], env);
    expect(run.code).toBe(0);
    const batches = JSON.parse(run.stdout) as (BatchJson & { last_activity: string })[];
    const ours = batches.find((b) => b.batch === BATCH);
    expect(ours).toMatchObject({ workflows: 2, workflow_statuses: { COMPLETED: 2 }, answers: null });
    expect(Date.parse(ours!.last_activity)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('runs lists the evaluation runs with their summaries', async () => {
    const dir = tempDir();
    const suite = writeCsv(dir, 'smoke.csv', ['id,question,expect_contains', 'q1,Where is the VPN portal?,VPN']);
    const runsDir = join(dir, 'runs');
    const evaluated = await runCli(['eval', suite, '--out', runsDir], env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const run = await runCli(['runs', 'smoke', '--out', runsDir, '--json'], env);
    expect(run.code).toBe(0);
    const runs = JSON.parse(run.stdout) as { dir: string; summary: RunSummary }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]!.summary).toMatchObject({ suite: 'smoke', questions: 1, passed: 1 });
    expect(runs[0]!.dir).toBe(join(runsDir, 'smoke', runs[0]!.summary.run_id));
  });
});

describe('status and list on a large batch', () => {
  it('count all 2,001 workflows of a batch (no listing cap)', async () => {
    const batch = 'e2e-count-2001';
    const key = defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD);
    // No worker polls this queue: each workflow times out after a second, a closed workflow of the batch.
    const ids = Array.from({ length: 2_001 }, (_, i) => `${batch}/${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(
        ids.slice(i, i + 100).map((workflowId) =>
          stack.client.workflow
            .start(CONVERSATION_WORKFLOW_TYPE, {
              taskQueue: `${stack.taskQueue}-nobody`,
              workflowId,
              args: [],
              workflowExecutionTimeout: '1s',
              typedSearchAttributes: [{ key, value: batch }],
              // A start the client retries (a slow server) must not make a second execution of a timed-out one.
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            })
            .catch((err: unknown) => {
              if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            }),
        ),
      );
    }
    await waitFor(
      'every workflow of the batch timed out in visibility',
      async () =>
        (await stack.client.workflow.count(`BatchId="${batch}" AND ExecutionStatus="TimedOut"`)).count === 2_001,
    );
    const status = await runCli(['status', batch, '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ workflows: 2_001, workflow_statuses: { TIMED_OUT: 2_001 } });
    const list = await runCli(['list', '--limit', '200', '--json'], env);
    const ours = (JSON.parse(list.stdout) as BatchJson[]).find((b) => b.batch === batch);
    expect(ours).toMatchObject({ workflows: 2_001, workflow_statuses: { TIMED_OUT: 2_001 } });
  });
});
