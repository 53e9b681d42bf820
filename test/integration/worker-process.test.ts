/** The worker process as an operator starts it: configuration errors name the variable and exit non-zero. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO_ROOT, runNode } from '../helpers/cli';

const WORKER = join(REPO_ROOT, 'dist', 'worker', 'main.js');

describe('worker process', () => {
  it('exits 2 naming a missing variable', async () => {
    const run = await runNode([WORKER], { MOVEWORKS_TOKEN: 't' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_ASSISTANT_NAME');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 naming a bad value', async () => {
    const run = await runNode([WORKER], {
      MOVEWORKS_TOKEN: 't',
      MOVEWORKS_ASSISTANT_NAME: 'a',
      MOVEWORKS_BASE_URL: 'not a url',
      MWBATCH_RPS: '-3',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_BASE_URL');
    expect(run.stderr).toContain('MWBATCH_RPS');
  });

  it('asks for a token or client credentials, and never prints a secret it was given', async () => {
    const run = await runNode([WORKER], {
      MOVEWORKS_ASSISTANT_NAME: 'a',
      MOVEWORKS_CLIENT_SECRET: 'super-secret-value',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MOVEWORKS_CLIENT_ID');
    expect(run.stderr).not.toContain('super-secret-value');
  });

  it('exits 3 with the address when Temporal is unreachable', async () => {
    const run = await runNode([WORKER], {
      MOVEWORKS_TOKEN: 't',
      MOVEWORKS_ASSISTANT_NAME: 'a',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('127.0.0.1:1');
  });
});
