/**
 * `mwbatch schedule` at its limits, as a user runs it against a worker, the dev server and the simulator: a suite
 * too large to travel in the schedule is refused (exit 2, pointing at --suite-path) and no schedule is left behind;
 * a schedule with --suite-path runs the file the worker reads (its summary carries the file's sha256, the worker
 * writes the report); bad options and a missing schedule are refused with exit 2 and a message naming the culprit.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RunSummary } from '../../evaluation/types';
import { tempDir } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });

/** A fresh schedule name (the dev server is shared with the other test files), deleted when the test ends. */
function scheduleName(prefix: string): string {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  onTestFinished(async () => {
    if ((await runCli(['schedule', 'describe', name], env)).code === 0) await runCli(['schedule', 'delete', name], env);
  });
  return name;
}

function writeSuite(name: string, rows: Record<string, string>[]): string {
  const path = join(tempDir(), name);
  writeFileSync(path, stringify(rows, { header: true, columns: Object.keys(rows[0]!) }));
  return path;
}

/** `schedule describe NAME` exits 2 when there is no such schedule. */
async function expectNoSchedule(name: string): Promise<void> {
  const described = await runCli(['schedule', 'describe', name], env);
  expect(described.code, described.stdout).toBe(2);
  expect(described.stderr).toContain(`no schedule named ${name}`);
}

describe('mwbatch schedule limits', () => {
  it('refuses a suite over the workflow input limit, points at --suite-path, and creates nothing', async () => {
    const name = scheduleName('big');
    // 1,600 questions of about 1 KB: over the 1.5 MiB one workflow input accepts.
    const filler = 'Please explain the procedure in full detail. '.repeat(22);
    const suite = writeSuite(
      'big.csv',
      Array.from({ length: 1_600 }, (_, i) => ({
        question: `Big suite question ${i}: ${filler}`,
        expect_contains: 'Simulated answer',
      })),
    );
    expect(readFileSync(suite).length).toBeGreaterThan(1.5 * 1024 * 1024);
    const before = stack.sim.requests().length;

    const created = await runCli(['schedule', 'create', name, '--suite', suite, '--every', '1h'], env);
    expect(created.code, created.stderr).toBe(2);
    expect(created.stderr).toContain(suite);
    expect(created.stderr).toContain('--suite-path');
    expect(created.stderr).not.toMatch(/^\s+at /m); // one message, no stack trace
    await expectNoSchedule(name);
    expect(stack.sim.requests().length).toBe(before);
  });

  it('runs a --suite-path suite the worker reads: its sha256 and questions in the summary, the report on disk', async () => {
    const name = scheduleName('from-path');
    const questions = Array.from({ length: 5 }, (_, i) => `Is suite-path question ${i} answered?`);
    const suite = writeSuite(
      'from-path.csv',
      questions.map((question, i) => ({ id: `p${i}`, question, expect_contains: 'Simulated answer' })),
    );
    const sha256 = createHash('sha256').update(readFileSync(suite)).digest('hex');

    const created = await runCli(
      ['schedule', 'create', name, '--suite-path', suite, '--every', '24h', '--notify', 'never'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created schedule ${name}`);
    const described = await runCli(['schedule', 'describe', name], env);
    expect(described.stdout).toContain(`(read from ${suite})`);
    const triggered = await runCli(['schedule', 'trigger', name], env);
    expect(triggered.code, triggered.stderr).toBe(0);

    let listing = '';
    const summary = await waitFor(
      `a finished run of ${name}`,
      async () => {
        const listed = await runCli(['schedule', 'runs', name, '--json'], env);
        expect(listed.code, listed.stderr).toBe(0);
        listing = listed.stdout;
        const runs = JSON.parse(listed.stdout) as { status: string; summary: RunSummary | null }[];
        expect(runs.map((r) => r.status)).not.toContain('FAILED');
        return runs.find((r) => r.summary !== null)?.summary ?? undefined;
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; \`schedule runs --json\` last said: ${listing}`);
    });
    expect(summary).toMatchObject({
      suite: 'from-path',
      suite_sha256: sha256,
      questions: questions.length,
      passed: questions.length,
      schedule: name,
    });
    const runDir = join(stack.runsDir, 'from-path', summary.run_id);
    expect(summary.run_dir).toBe(runDir);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(runDir, 'summary.json'))).toBe(true);
    const asked = stack.sim.stats().submissionsByQuestion;
    for (const q of questions) expect({ q, asked: asked[q] }).toEqual({ q, asked: 1 });

    const deleted = await runCli(['schedule', 'delete', name], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    await expectNoSchedule(name);
  });

  it('refuses bad options and a missing schedule with exit 2 and a message naming the culprit', async () => {
    const name = scheduleName('bad');
    const suite = writeSuite('bad-options.csv', [{ question: 'Is this ever asked?', expect_contains: 'Simulated' }]);
    const create = (...args: string[]) => runCli(['schedule', 'create', name, '--suite', suite, ...args], env);
    const cases: { what: string; run: () => ReturnType<typeof runCli>; message: string | RegExp }[] = [
      {
        what: 'both --cron and --every',
        run: () => create('--cron', '0 6 * * *', '--every', '1h'),
        message: /--cron.*--every/,
      },
      { what: 'neither --cron nor --every', run: () => create(), message: /--cron.*--every/ },
      { what: '--every 0s', run: () => create('--every', '0s'), message: '--every' },
      {
        what: 'a bad --timezone',
        run: () => create('--cron', '0 6 * * *', '--timezone', 'Mars/Olympus_Mons'),
        message: /--timezone.*Mars\/Olympus_Mons/,
      },
      {
        what: 'pause of a missing schedule',
        run: () => runCli(['schedule', 'pause', name], env),
        message: `no schedule named ${name}`,
      },
    ];
    for (const c of cases) {
      const result = await c.run();
      expect({ what: c.what, code: result.code }).toEqual({ what: c.what, code: 2 });
      expect(result.stderr, c.what).toMatch(c.message);
      expect(result.stderr, c.what).not.toMatch(/^\s+at /m);
    }
    await expectNoSchedule(name);
  });
});
