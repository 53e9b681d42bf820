/**
 * Fault suite, workers: `mwbatch worker` processes killed with SIGKILL mid-batch (no graceful shutdown, HTTP calls
 * abandoned half-way). A killed worker's activities are only retried once their start-to-close timeout (45 s)
 * passes, and then reconcile before repeating a POST, so nothing is asked twice and nothing is lost.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait';
import { CASE_TIMEOUT_MS, startFaultStack, type FaultStack } from './helpers/fault-stack';
import { randomInt, seededRng } from './helpers/prng';
import { activityRuns } from './helpers/temporal';
import { verifyBatch } from './helpers/verify';

/** Resolves true once the simulator has seen `n` more requests, false if the CLI finished first. */
async function progressOrDone(s: FaultStack, n: number, done: () => boolean): Promise<boolean> {
  const target = s.requestCount() + n;
  await waitFor(`${n} more simulator requests`, () => done() || s.requestCount() >= target, 150_000);
  return !done();
}

describe('fault: worker processes killed', { timeout: CASE_TIMEOUT_MS }, () => {
  it.each([
    { shape: 'a workflow per question', name: 'worker-sigkill', kills: 12, submit: [] },
    // Ten questions per workflow: a kill takes ten conversations' activities at once, and their group's cache.
    { shape: 'ten questions per workflow', name: 'worker-sigkill-grouped', kills: 6, submit: ['--per-workflow', '10'] },
    // Forty per workflow, five at a time: a kill takes a group's activity asking five, holding the answers of others;
    // its retry hands every question back, to be looked for before it is asked again.
    {
      shape: 'forty per workflow, five at once',
      name: 'worker-sigkill-at-once',
      kills: 6,
      submit: ['--per-workflow', '40', '--at-once', '5'],
    },
  ])(
    'survives a worker killed with SIGKILL and restarted at seeded moments ($shape)',
    async ({ name, kills, submit }) => {
      const KILLS = kills;
      const stack = await startFaultStack({ name });
      const worker = stack.worker();
      await worker.start();
      const cli = stack.startSubmit(submit);
      let finished = false;
      void cli.done.then(() => (finished = true));

      // The "random" moments: after k more simulator requests since the worker came up, k drawn from a seeded PRNG.
      const rng = seededRng(0x5eed01);
      const moments: number[] = [];
      for (let i = 0; i < KILLS; i++) {
        const k = randomInt(rng, 10, 35);
        if (!(await progressOrDone(stack, k, () => finished))) break;
        moments.push(stack.requestCount());
        await worker.kill();
        await worker.start();
      }

      const run = await cli.done;
      expect(run.code, run.stderr).toBe(0);
      // Activities abandoned by a killed worker are retried (attempt > 1) once their start-to-close timeout passes.
      const { retried } = await activityRuns(stack.address, stack.outDir);
      verifyBatch(stack, worker.kills, {
        restarts: worker.starts - 1,
        retriedActivities: retried,
        killedAtRequest: moments.join('/'),
      });
      expect(worker.kills).toBe(KILLS);
    },
  );

  it('finishes the batch on the surviving worker when one of two running workers is killed', async () => {
    const stack = await startFaultStack({ name: 'two-workers' });
    const [a, b] = [stack.worker(), stack.worker()];
    await Promise.all([a.start(), b.start()]);
    const cli = stack.startSubmit();
    let finished = false;
    void cli.done.then(() => (finished = true));

    const k = randomInt(seededRng(0x5eed02), 100, 200);
    expect(await progressOrDone(stack, k, () => finished)).toBe(true);
    const killedAt = stack.requestCount();
    await a.kill(); // and never restarted: worker b carries on alone

    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(b.running).toBe(true);
    // Activities each worker process completed (the killed one's only before the kill).
    const { perWorker } = await activityRuns(stack.address, stack.outDir);
    verifyBatch(stack, a.kills, {
      killedAtRequest: killedAt,
      activitiesPerWorker: [...perWorker.values()].join('/'),
      survivorRestarts: b.starts - 1,
    });
    // The survivor finished the batch; the killed worker may have completed none of its own (a turn is one
    // activity, whose in-flight attempts were all retried on the survivor), so at least the survivor appears.
    expect(perWorker.size).toBeGreaterThanOrEqual(1);
    expect(a.kills).toBe(1);
  });
});
