/**
 * On the PostgreSQL-backed cluster: one of two `mwbatch worker` processes killed with SIGKILL mid-batch. The other
 * finishes the batch (the killed worker's activities are retried once their 45 s start-to-close timeout passes, and
 * reconcile before any POST), every row is answered and the simulator saw each question asked once.
 */
import { describe, expect, it } from 'vitest';
import { startClusterStack } from '../helpers/cluster';
import { CASE_TIMEOUT_MS } from '../fault/helpers/fault-stack';
import { activityRuns } from '../fault/helpers/temporal';
import { verifyBatch } from '../fault/helpers/verify';

describe('cluster: a worker killed mid-batch', { timeout: CASE_TIMEOUT_MS }, () => {
  it('finishes the batch on the other worker, each question asked once', async () => {
    const { stack, workers } = await startClusterStack({ name: 'cluster-worker-kill' });
    const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
    const cli = stack.startSubmit();
    let finished = false;
    void cli.done.then(() => (finished = true));

    // Mid-batch: 200 rows make about 600 requests; kill after 150.
    await stack.waitForRequests(0, 150);
    expect(finished, 'the batch finished before the worker could be killed').toBe(false);
    const killedAtRequest = stack.requestCount();
    await a.kill();

    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(b.running).toBe(true);
    const { perWorker, retried } = await activityRuns(stack.address, stack.outDir);
    verifyBatch(stack, a.kills, {
      killedAtRequest,
      activitiesPerWorker: [...perWorker.values()].join('/'),
      retriedActivities: retried,
    });
    // The killed worker was busy: activities it had started were retried, and the other worker ran them to the end.
    // (Whether it also finished some first depends on when the kill lands: with eager dispatch a worker runs the
    // activities of the workflow tasks it completed, and most of a batch's activities last as long as the answer.)
    expect(retried).toBeGreaterThan(0);
    expect(perWorker.size).toBeGreaterThanOrEqual(1);
  });
});
