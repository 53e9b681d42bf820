/**
 * A conversation whose turns together pass Temporal's payload limit cannot be started: `submit` refuses it up
 * front, naming its first row and its size, instead of reporting an unreachable Temporal after a half-started batch.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack();

describe('mwbatch submit with a conversation too large for one workflow', () => {
  it('refuses it with exit 2, naming its first row and the size against the limit; nothing is asked', async () => {
    const dir = tempDir();
    const question = (n: number) => `Question ${n}: ${'lorem ipsum '.repeat(60_000)}`; // ~700 KB each
    const file = writeCsv(dir, 'big.csv', [
      'id,question,conversation',
      'small,A fine question,',
      `big1,${question(1)},long`,
      `big2,${question(2)},long`,
      `big3,${question(3)},long`,
    ]);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-too-large', '--out', out], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:3`);
    expect(run.stderr).toContain('id big1');
    expect(run.stderr).toMatch(/size 2\.\d MiB.*limit 1\.5 MiB/);
    expect(run.stderr).toContain('nothing was submitted');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(stack.sim.requests()).toHaveLength(0);
    expect((await stack.client.workflow.count('BatchId="e2e-too-large"')).count).toBe(0);
    expect(existsSync(join(out, 'results.csv'))).toBe(false);
  });
});
