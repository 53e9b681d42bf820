/**
 * The worker process asks the Moveworks API once at start: credentials or a base URL that cannot work stop it with
 * exit 2 and the variable to fix, instead of a worker that polls and fails every row.
 */
import { describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../dev/ports';
import { runCli } from '../helpers/cli';
import { useSimulator } from '../helpers/simulator';

const sim = useSimulator({}, { reset: 'never' });

const workerEnv = (overrides: Record<string, string>) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_TASK_QUEUE: `worker-api-check-${randomUUID()}`,
  MOVEWORKS_BASE_URL: sim.baseUrl,
  MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
  MOVEWORKS_TOKEN: sim.config.token,
  MWBATCH_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  ...overrides,
});

describe('worker start-up API check', () => {
  it('exits 2 naming MOVEWORKS_TOKEN when the API rejects the token, without printing it', async () => {
    const run = await runCli(['worker'], workerEnv({ MOVEWORKS_TOKEN: 'not-the-token' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_TOKEN');
    expect(run.stderr).toContain('401');
    expect(run.stderr).not.toContain('not-the-token');
    expect(run.stderr).not.toContain('mwbatch worker polling');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 naming MOVEWORKS_CLIENT_ID/MOVEWORKS_CLIENT_SECRET when the token endpoint refuses them', async () => {
    const run = await runCli(
      ['worker'],
      workerEnv({
        MOVEWORKS_TOKEN: '',
        MOVEWORKS_CLIENT_ID: sim.config.clientId,
        MOVEWORKS_CLIENT_SECRET: 'wrong-secret-value',
        MOVEWORKS_TOKEN_URL: sim.tokenUrl,
      }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_CLIENT_ID/MOVEWORKS_CLIENT_SECRET');
    expect(run.stderr).not.toContain('wrong-secret-value');
  });

  it('exits 2 naming MOVEWORKS_BASE_URL when nothing listens there', async () => {
    const url = `http://127.0.0.1:${await freePort()}/rest/v1beta1`;
    const run = await runCli(['worker'], workerEnv({ MOVEWORKS_BASE_URL: url }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_BASE_URL');
    expect(run.stderr).toContain(url);
  });
});
