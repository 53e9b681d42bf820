/**
 * `submit --rps R`: the API budget is enforced by Temporal's matching service across every worker. It is a token
 * bucket of R per second whose burst is R, so any window of w seconds sees at most R × (w + 1) requests and the
 * sustained rate stays at R. Requests reach the simulator a little after their task is dispatched, so the
 * windowed bound allows 10 % for that jitter. `mwbatch rate-limit clear` and `--rps none` remove the budget.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { conversationRequestsSince, readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });

/** The largest number of requests seen in any window of `windowMs`. */
function peakInWindow(times: number[], windowMs: number): number {
  let peak = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

describe('mwbatch submit --rps', () => {
  it('keeps the observed request rate under the limit', async () => {
    const rps = 5;
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', ...Array.from({ length: 16 }, (_, i) => `rate limited ${i}`)]);
    const out = join(dir, 'out');
    const run = await runCli(
      ['submit', file, '--batch', 'e2e-rps', '--out', out, '--rps', String(rps), '--concurrency', '16'],
      env,
    );
    expect(run.code).toBe(0);
    expect(readResultsCsv(out)).toHaveLength(16);
    const times = stack.sim
      .requests()
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(16 * 3);
    const windowMs = 5_000;
    const peak = peakInWindow(times, windowMs);
    expect(peak).toBeLessThanOrEqual(Math.floor(rps * (windowMs / 1000 + 1) * 1.1));
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    expect(times.length).toBeLessThanOrEqual(Math.floor(rps * (seconds + 1) * 1.1));
  });

  it('keeps every request an activity of its own in a later batch run without --rps (the limit stays on the queue)', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', ...Array.from({ length: 4 }, (_, i) => `still limited ${i}`)]);
    const before = stack.sim.requests().length;
    const run = await runCli(['submit', file, '--batch', 'e2e-rps-again', '--out', join(dir, 'out')], env);
    expect(run.code).toBe(0);
    const requests = conversationRequestsSince(stack.sim, before).length;
    let activities = 0;
    for await (const wf of stack.client.workflow.list({ query: 'BatchId="e2e-rps-again"' })) {
      const history = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      activities += (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
    }
    // No poll ran inside another activity, where the queue's limit could not count it.
    expect(activities).toBe(requests);
  });
});

describe('removing the API budget', () => {
  /** The rate limit of the API task queue as the server reports it. */
  const serverLimit = async () => {
    const described = await stack.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: `${stack.taskQueue}-api` },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportConfig: true,
    });
    return described.config?.queueRateLimit?.rateLimit?.requestsPerSecond ?? undefined;
  };

  it('`mwbatch rate-limit clear` and `submit --rps none` leave the API task queue without a limit', async () => {
    expect((await runCli(['rate-limit', 'set', '7'], env)).code).toBe(0);
    expect(await serverLimit()).toBe(7);
    expect((await runCli(['rate-limit', 'show'], env)).stdout).toContain('7 requests/s');

    const cleared = await runCli(['rate-limit', 'clear'], env);
    expect(cleared.code).toBe(0);
    expect(await serverLimit()).toBeUndefined();
    expect((await runCli(['rate-limit', 'show'], env)).stdout).toContain('no rate limit set on the server');

    expect((await runCli(['rate-limit', 'set', '7'], env)).code).toBe(0);
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', 'no longer limited']);
    const run = await runCli(
      ['submit', file, '--batch', 'e2e-rps-none', '--out', join(dir, 'out'), '--rps', 'none'],
      env,
    );
    expect(run.code).toBe(0);
    expect(await serverLimit()).toBeUndefined();
  });
});
