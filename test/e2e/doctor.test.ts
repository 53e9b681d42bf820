/**
 * `mwbatch doctor`: one line per check (Temporal, namespace, the BatchId search attribute, pollers on both task
 * queues, the API credentials through a worker), exit 0 when all pass, 1 when one fails, 3 without Temporal.
 */
import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { StaticTokenAuth } from '../../moveworks';
import { runCli } from '../helpers/cli';
import { cliEnv, startStackForTest, useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack();

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('mwbatch doctor', () => {
  it('passes every check with a worker running, the API included', async () => {
    const run = await runCli(['doctor'], env);
    expect(run.code, run.stdout).toBe(0);
    const out = lines(run.stdout);
    expect(out).toHaveLength(6);
    for (const line of out) expect(line).toMatch(/^ok /);
    expect(run.stdout).toContain(inject('temporalAddress'));
    expect(run.stdout).toContain('BatchId');
    expect(run.stdout).toContain(`${stack.taskQueue}-api`);
    expect(run.stdout).toContain('Moveworks API');
    expect(stack.sim.requests().filter((r) => r.method === 'GET' && r.route === '/conversations')).toHaveLength(1);
  });

  it('says no worker polls the task queues, and how to start one (exit 1)', async () => {
    const taskQueue = `doctor-${randomUUID()}`;
    const run = await runCli(['doctor'], cliEnv(taskQueue));
    expect(run.code).toBe(1);
    const out = lines(run.stdout);
    expect(out.filter((l) => l.startsWith('ok '))).toHaveLength(3); // Temporal, namespace, search attribute
    const noWorker = out.filter((l) => l.startsWith('FAIL') && l.includes('no worker'));
    expect(noWorker).toHaveLength(2);
    expect(noWorker.join('\n')).toContain(`${taskQueue}-api`);
    expect(noWorker.join('\n')).toContain('mwbatch worker');
    expect(out.find((l) => l.includes('Moveworks API'))).toMatch(/^skip .*no worker/);
  });

  it('names the variable when the worker holds credentials the API rejects (exit 1)', async () => {
    const bad = await startStackForTest({ auth: () => new StaticTokenAuth('rejected-token') });
    const run = await runCli(['doctor'], cliEnv(bad.taskQueue));
    expect(run.code).toBe(1);
    const api = lines(run.stdout).find((l) => l.includes('Moveworks API'));
    expect(api).toMatch(/^FAIL .*MOVEWORKS_TOKEN/);
    expect(run.stdout).not.toContain('rejected-token');
  });

  it('reports a missing namespace (exit 1) and an unreachable Temporal (exit 3)', async () => {
    const missing = await runCli(['doctor'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    });
    expect(missing.code).toBe(1);
    expect(lines(missing.stdout).find((l) => l.includes('no-such-namespace'))).toMatch(/^FAIL .*TEMPORAL_NAMESPACE/);

    const unreachable = await runCli(['doctor'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(unreachable.code).toBe(3);
    expect(lines(unreachable.stdout)[0]).toMatch(/^FAIL .*127\.0\.0\.1:1.*TEMPORAL_ADDRESS/);
  });
});
