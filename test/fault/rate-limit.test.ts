/**
 * Fault suite, rate limits: a 429 storm (most calls rejected for a while), with and without Retry-After, and the
 * global --rps budget shared by two worker processes.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait';
import { CASE_TIMEOUT_MS, startFaultStack, type FaultStack } from './helpers/fault-stack';
import { median, peakInWindow, retryGapsAfter429 } from './helpers/rates';
import { activityRuns } from './helpers/temporal';
import { verifyBatch } from './helpers/verify';

const count429 = (s: FaultStack) => s.sim.requests().filter((r) => r.status === 429).length;

describe('fault: 429 storm', { timeout: CASE_TIMEOUT_MS }, () => {
  /** 80 % of the calls are refused until the simulator has answered STORM_429S of them; then the storm ends. */
  const STORM_RATE = 0.8;
  const STORM_429S = 500;

  it.each([
    { retryAfter: 'seconds' as const, name: '429-storm-retry-after' },
    { retryAfter: 'none' as const, name: '429-storm-no-retry-after' },
  ])('answers every row through a 429 storm ($retryAfter)', async ({ retryAfter, name }) => {
    const stack = await startFaultStack({ name, simulator: { retryAfter, rate429: STORM_RATE, seed: 429 } });
    const worker = stack.worker();
    await worker.start();
    const cli = stack.startSubmit();
    let finished = false;
    void cli.done.then(() => (finished = true));

    const stormStart = Date.now();
    await waitFor(`${STORM_429S} answers 429`, () => finished || count429(stack) >= STORM_429S, 120_000);
    expect(finished, 'the batch finished during the storm').toBe(false);
    stack.sim.configure({ rate429: 0 });
    const stormMs = Date.now() - stormStart;

    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    const gaps = retryGapsAfter429(stack.sim.requests());
    // After the 5th 429 in a row an exponential backoff waits at least 8 s; Retry-After: 1 keeps it at about 1 s.
    const fifthOn = gaps.filter((g) => g.consecutive >= 5).map((g) => g.gapMs);
    verifyBatch(stack, 0, {
      stormMs,
      retriesAfter429: gaps.length,
      minRetryGapMs: Math.min(...gaps.map((g) => g.gapMs)),
      medianGapFrom5th429Ms: median(fifthOn),
    });
    expect(gaps.length).toBeGreaterThan(STORM_429S / 2);
    // 50 ms of slack: the simulator stamps a request when it arrives, Temporal counts from the reported failure.
    if (retryAfter === 'seconds') {
      // Retry-After (1 s) is honoured: no retry sooner, and no exponential growth on top of it (the bound leaves
      // room for a loaded machine, which stretches the 1 s waits).
      expect(gaps.every((g) => g.retryAfterMs === 1_000)).toBe(true);
      expect(gaps.filter((g) => g.gapMs < 1_000 - 50)).toEqual([]);
      expect(fifthOn.length).toBeGreaterThan(10);
      expect(median(fifthOn)).toBeLessThan(4_000);
    } else {
      // Full-jitter exponential backoff: after the n-th 429 in a row, at least half of min(60 s, 1 s × 2^(n-1)).
      const floor = (n: number) => Math.min(60_000, 1_000 * 2 ** (n - 1)) / 2 - 50;
      expect(gaps.filter((g) => g.gapMs < floor(g.consecutive))).toEqual([]);
    }
  });
});

describe('fault: --rps across two workers', { timeout: CASE_TIMEOUT_MS }, () => {
  it('keeps the observed API rate of two workers under the global --rps budget', async () => {
    const RPS = 20;
    const WINDOW_MS = 5_000;
    const w = WINDOW_MS / 1000;
    const stack = await startFaultStack({ name: 'rps-two-workers' });
    const workers = [stack.worker({ rps: RPS }), stack.worker({ rps: RPS })];
    await Promise.all(workers.map((wk) => wk.start()));
    const run = await stack.submit(['--rps', String(RPS)]);
    expect(run.code, run.stderr).toBe(0);

    // The batch's own calls: not token requests, nor the API checks each worker makes at start and `submit` makes
    // before the batch (GET /conversations), which come seconds before the batch and would shift its first window.
    const times = stack.sim
      .requests()
      .filter((r) => r.route !== '/oauth/v1/token' && !(r.method === 'GET' && r.route === '/conversations'))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const first = times[0]!;
    const seconds = (times.at(-1)! - first) / 1000;
    const all = peakInWindow(times, WINDOW_MS);
    // Temporal's limiter is a token bucket of rate R and burst R that starts full, so the busiest window holds that
    // burst on top of R × w; once the batch keeps the budget busy (100 conversations in flight ask far more than R),
    // the windows that start after it no longer do. The burst is spent when the demand first exceeds R, not at the
    // first request: on a loaded machine the 100 workflows start slowly and the burst comes later and spreads (with
    // two busy CPUs beside the test it spread over ~2.5 s). Counted from the first request, a CI run once saw 112.
    const steady = peakInWindow(
      times.filter((t) => t >= Math.max(first, all.startMs) + WINDOW_MS),
      WINDOW_MS,
    );
    const { perWorker } = await activityRuns(stack.address, stack.outDir);
    verifyBatch(stack, 0, {
      activitiesPerWorker: [...perWorker.values()].join('/'),
      rps: RPS,
      window: `${w}s`,
      peak: all.peak,
      peakAtS: ((all.startMs - first) / 1000).toFixed(1),
      peakAfterBurst: steady.peak,
      limit10pct: Math.floor(RPS * w * 1.1),
      firstSecond: times.filter((t) => t < first + 1_000).length,
      avgRps: (times.length / seconds).toFixed(1),
    });
    // Both worker processes ran HTTP activities, and neither died.
    expect(perWorker.size).toBe(2);
    expect(workers.every((wk) => wk.running)).toBe(true);
    // What a token bucket of rate R and burst R allows in any window of w seconds is R × (w + 1). Measured at the
    // simulator, the first window held up to 0.4 R more (128 for R = 20; the cause, dispatch jitter or the server's
    // limiter, was not pinned down), so one more second of budget is allowed here. The bound (10 % over R × w)
    // does NOT hold for the first window: it held 113 to 128 requests against 110 in each of 6 runs.
    expect(all.peak).toBeLessThanOrEqual(RPS * (w + 2));
    // The bound, 10 % over the limit in any 5 s window, once the initial burst is spent.
    expect(steady.peak).toBeLessThanOrEqual(Math.floor(RPS * w * 1.1));
    expect(times.length / seconds).toBeLessThanOrEqual(RPS * 1.1);
  });
});
