/**
 * On the PostgreSQL-backed cluster: `--rps` shared by two worker processes. The cluster runs with the task-queue
 * partition settings the README recommends (one read and one write partition, deploy/dynamicconfig/, the same file
 * as docker-compose.yml), so the budget is one token bucket: the API rate the simulator sees stays within what one
 * bucket allows (the first second included), and both workers share the work.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployDir } from '../../dev/cluster';
import { startClusterStack } from '../helpers/cluster';
import { CASE_TIMEOUT_MS } from '../fault/helpers/fault-stack';
import { peakInWindow } from '../fault/helpers/rates';
import { activityRuns } from '../fault/helpers/temporal';
import { verifyBatch } from '../fault/helpers/verify';

describe('cluster: --rps across two workers', { timeout: CASE_TIMEOUT_MS }, () => {
  it('runs with one partition per task queue, the README setting', () => {
    const config = parse(readFileSync(join(deployDir(), 'dynamicconfig', 'development-sql.yaml'), 'utf8'));
    expect(config['matching.numTaskqueueReadPartitions']).toEqual([{ value: 1, constraints: {} }]);
    expect(config['matching.numTaskqueueWritePartitions']).toEqual([{ value: 1, constraints: {} }]);
  });

  it('keeps the API rate of two workers under the global budget', async () => {
    const RPS = 20;
    const WINDOW_MS = 5_000;
    const w = WINDOW_MS / 1000;
    const { stack, workers } = await startClusterStack({ name: 'cluster-rps', worker: { rps: RPS } });
    const run = await stack.submit(['--rps', String(RPS)]);
    expect(run.code, run.stderr).toBe(0);

    // The batch's own calls: not the API checks each worker and `submit` make before it (GET /conversations).
    const times = stack.sim
      .requests()
      .filter((r) => !(r.method === 'GET' && r.route === '/conversations'))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const first = times[0]!;
    const seconds = (times.at(-1)! - first) / 1000;
    const all = peakInWindow(times, WINDOW_MS);
    const firstSecond = times.filter((t) => t < first + 1_000).length;
    const { perWorker } = await activityRuns(stack.address, stack.outDir);
    verifyBatch(stack, 0, {
      activitiesPerWorker: [...perWorker.values()].join('/'),
      rps: RPS,
      window: `${w}s`,
      peak: all.peak,
      peakAtS: ((all.startMs - first) / 1000).toFixed(1),
      firstSecond,
      avgRps: (times.length / seconds).toFixed(1),
    });
    expect(perWorker.size).toBe(2);
    expect(workers.every((wk) => wk.running)).toBe(true);
    // One partition, one token bucket of rate R and burst R. At the start 100 conversations want to create at once:
    // the first second holds the burst plus one second's budget (2 R; one more second of slack, as below); with four
    // partitions, four buckets would each start full and let through up to 5 R.
    expect(firstSecond).toBeLessThanOrEqual(RPS * 3);
    // Any window: what the bucket allows, R × (w + 1), plus one second of slack as in the fault suite
    // (test/fault/rate-limit.test.ts). Unlike there, no tighter bound for later windows: on this 2-core machine the
    // cluster did not keep the budget busy (8.9 requests/s on average against 20), so the bucket refilled during
    // lulls and a later window held 111 requests, the refilled burst on top of R × w.
    expect(all.peak).toBeLessThanOrEqual(RPS * (w + 2));
    expect(times.length / seconds).toBeLessThanOrEqual(RPS * 1.1);
  });
});
