/**
 * A worker with a wrong MOVEWORKS_BASE_URL, token or assistant name: `submit` asks the API once through a worker
 * before starting anything, and stops within seconds with exit 2 naming the variable to fix, instead of retrying
 * every row for minutes. With no worker at all it warns once and goes on (the batch waits for workers).
 */
import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { StaticTokenAuth } from '../../moveworks';
import { freePort } from '../../dev/ports';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { cliEnv, startStackForTest, type TestStackOptions } from '../helpers/stack';

/** A base URL on a port nobody listens on: every request is refused. */
async function closedPortStack(): Promise<TestStackOptions> {
  const url = `http://127.0.0.1:${await freePort()}/rest/v1beta1`;
  return { baseUrl: () => url };
}

/** Whether the workflow of row `id` exists (a describe, not eventually consistent visibility). */
async function workflowExists(client: Client, batch: string, id: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(`${batch}/${id}`).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

const cases: [string, () => Promise<TestStackOptions>, string][] = [
  ['an unreachable MOVEWORKS_BASE_URL', closedPortStack, 'MOVEWORKS_BASE_URL'],
  ['a rejected token (401)', async () => ({ auth: () => new StaticTokenAuth('wrong-token') }), 'MOVEWORKS_TOKEN'],
  ['a wrong assistant name (403)', async () => ({ assistantName: 'nobody' }), 'MOVEWORKS_ASSISTANT_NAME'],
];

describe('mwbatch submit checks the API through a worker first', () => {
  it.each(cases)(
    'stops at once with exit 2 on %s, naming the variable; nothing is asked',
    async (_name, options, variable) => {
      const stack = await startStackForTest(await options());
      const env = cliEnv(stack.taskQueue);
      const dir = tempDir();
      const file = writeCsv(dir, 'q.csv', ['id,question', 'a,first question', 'b,second question']);
      const batch = `e2e-api-check-${randomUUID().slice(0, 8)}`;
      const started = Date.now();
      const run = await runCli(['submit', file, '--batch', batch, '--out', join(dir, 'out')], env);
      expect(run.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(run.stderr).toContain(variable);
      expect(run.stderr).toContain('nothing was submitted');
      expect(run.stderr).not.toContain('wrong-token');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(stack.sim.requests().filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(await workflowExists(stack.client, batch, 'a')).toBe(false);
      expect(await workflowExists(stack.client, batch, 'b')).toBe(false);
    },
  );

  it('only warns when the API fails in a way a retry can fix (a 5xx), and starts the batch', async () => {
    const stack = await startStackForTest({ simulator: { rate5xx: 1 } });
    const env = cliEnv(stack.taskQueue);
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'a,asked once the API is back']);
    const batch = `e2e-api-5xx-${randomUUID().slice(0, 8)}`;
    const run = await runCli(['submit', file, '--batch', batch, '--out', join(dir, 'out'), '--no-wait'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: Moveworks API check: .*50[03]/);
    expect(await workflowExists(stack.client, batch, 'a')).toBe(true);
    stack.sim.configure({ rate5xx: 0 });
    await stack.client.workflow.getHandle(`${batch}/a`).result();
  });

  it('warns once and starts the batch when no worker polls the task queue (--no-wait)', async () => {
    const address = inject('temporalAddress');
    const taskQueue = `no-worker-${randomUUID()}`;
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'a,asked later', 'b,also later']);
    const batch = `e2e-no-worker-${randomUUID().slice(0, 8)}`;
    const run = await runCli(
      ['submit', file, '--batch', batch, '--out', join(dir, 'out'), '--no-wait'],
      cliEnv(taskQueue),
    );
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('no worker'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(taskQueue);
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection });
      for (const id of ['a', 'b']) {
        expect(await workflowExists(client, batch, id)).toBe(true);
        await client.workflow.getHandle(`${batch}/${id}`).terminate('test cleanup: no worker will ever run it');
      }
    } finally {
      await connection.close();
    }
  });
});
