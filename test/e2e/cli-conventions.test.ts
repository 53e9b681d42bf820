/**
 * The conventions a user of any command line expects, each asserted once, through the real `mwbatch` process:
 * `--version`, `help` and `help CMD` exiting 0, `simulator --help` without a stack trace, one line after a bad flag
 * saying where the help is, "file not found" for a missing file, `--deadline 2h`; and `retry-failed` asking again
 * with the deadline and mode the batch was asked with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversationInput } from '../../batch/inspect';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 100 } });

/** A stack trace's frames, as Node prints them. */
const STACK_FRAME = /\n\s+at /;

describe('mwbatch conventions', () => {
  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it('`help` and `help CMD` print the help and exit 0', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mwbatch /);
    expect(help.stdout).toContain('retry-failed');
    const submit = await runCli(['help', 'submit']);
    expect(submit.code).toBe(0);
    expect(submit.stdout).toMatch(/^Usage: mwbatch submit /);
    expect(submit.stdout).toContain('--deadline');
  });

  it('`simulator --help` prints its options and exits 0, without a stack trace', async () => {
    const run = await runCli(['simulator', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--answer-delay');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).not.toContain('CommanderError');
  });

  it('a bad flag gets one line naming it and where the help is, not the whole help, exit 2', async () => {
    const run = await runCli(['submit', 'questions.csv', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: unknown option '--bogus' (see `mwbatch submit --help`)\n");
    expect(run.stdout).toBe('');
  });

  it.each([
    ['submit', ['submit']],
    ['eval', ['eval']],
    ['schedule create --suite', ['schedule', 'create', 'nightly', '--every', '1h', '--suite']],
  ])('%s of a missing file says "file not found: FILE", exit 2', async (_name, args) => {
    const missing = join(tempDir(), 'no-such-file.csv');
    const run = await runCli([...args, missing], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`file not found: ${missing}\n`);
  });

  it('--deadline 2h is accepted, and retry-failed asks again with the deadline and mode the batch was asked with', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['id,question', 'ok,a fine question', 'bad,a doomed question [sim:fail]']);
    const out = join(dir, 'out');
    const batch = 'e2e-retry-settings';
    const submitted = await runCli(
      ['submit', file, '--batch', batch, '--out', out, '--deadline', '2h', '--mode', 'stream'],
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(1);
    expect(await conversationInput(stack.client, `${batch}/bad`)).toMatchObject({
      deadlineMs: 2 * 3600_000,
      mode: 'stream',
    });

    const retried = await runCli(['retry-failed', batch, '--out', out], env);
    expect(retried.code, retried.stderr).toBe(1); // the doomed row fails again
    expect(retried.stderr).toContain('per-turn deadline of 7200s in stream mode');
    expect(await conversationInput(stack.client, `${batch}/bad/retry-1`)).toMatchObject({
      deadlineMs: 2 * 3600_000,
      mode: 'stream',
    });

    // Given again, they win; the mode not given is still the batch's.
    const overridden = await runCli(['retry-failed', batch, '--out', out, '--deadline', '30s'], env);
    expect(overridden.code, overridden.stderr).toBe(1);
    expect(await conversationInput(stack.client, `${batch}/bad/retry-2`)).toMatchObject({
      deadlineMs: 30_000,
      mode: 'stream',
    });
    expect(readResultsCsv(out).find((row) => row.id === 'bad')?.workflow_id).toBe(`${batch}/bad/retry-2`);
  });
});
