/**
 * The run workflow on its own (no CLI): past `casesPerRun` cases it drains its window and continues as new,
 * carrying its tally, and the summary at the end counts every case of every run; each question is asked once per
 * repeat, never again after a continue-as-new.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EVALUATION_RUN_WORKFLOW_TYPE, evaluationRunWorkflowId } from '../../common/names';
import { resolveTurnSettings } from '../../common/types';
import type { EvaluationRunInput, EvaluationRunResult } from '../../evaluation/types';
import { useTestStack } from '../helpers/stack';

const stack = useTestStack({ simulator: { answerDelayMs: 100 } });

describe('evaluationRunWorkflow', () => {
  it('continues as new past casesPerRun and still summarises every case', async () => {
    const suite = `can-${randomUUID().slice(0, 8)}`;
    const question = (i: number) => `Continued run question ${i} ${suite}?`;
    const input: EvaluationRunInput = {
      runId: 'r-test-can',
      suite: { name: suite, sha256: 'test', columns: ['id', 'question'] },
      conversations: [0, 1, 2, 3, 4].map((i) => ({
        key: `q${i}`,
        turns: [
          {
            rowId: `q${i}`,
            question: question(i),
            line: i + 2,
            checks: { contains: [i === 4 ? 'not in the answer' : 'Simulated answer'] },
            tags: [],
            extra: {},
          },
        ],
      })),
      repeats: 2,
      window: 2,
      settings: resolveTurnSettings({}),
      casesPerRun: 3,
    };
    const handle = await stack.client.workflow.start(EVALUATION_RUN_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: evaluationRunWorkflowId(suite, input.runId!),
      args: [input],
    });
    const { summary } = (await handle.result()) as EvaluationRunResult;
    expect(summary).toMatchObject({ questions: 5, repeats: 2, passed: 4, failed: 1, errors: 0, flaky: [] });
    expect(summary.api_requests).toBeGreaterThanOrEqual(10 * 2);

    // 10 cases at 3 per run: four runs, the first three ending in continue-as-new.
    const runs: string[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` })) {
      runs.push(wf.status.name);
    }
    expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    const asked = stack.sim.stats().submissionsByQuestion;
    for (const i of [0, 1, 2, 3, 4]) expect({ i, asked: asked[question(i)] }).toEqual({ i, asked: 2 });
  });
});
