/**
 * `mwbatch eval` end to end, as a user runs it: the CLI against a worker, the dev server and the simulator. Every
 * check kind passing and failing on the simulator's real answers; two runs whose answers change in between (the
 * regression, the fix and the changed answer found, exit codes per --fail-on); repeats with a varying answer
 * (flaky); a bad suite refused before anything is asked; a run resumed with --run after its client was killed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import type { RunSummary } from '../../evaluation/types';
import { tempDir } from '../helpers/batch';
import { MWBATCH_BIN, REPO_ROOT, runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { fileUrl, launchChromium, offlinePage } from '../helpers/browser';

/** Where the screenshot of a real run's report is kept (the README shows it). */
const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'eval');

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });

function writeSuite(dir: string, name: string, rows: Record<string, string>[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const path = join(dir, name);
  writeFileSync(path, stringify(rows, { header: true, columns }));
  return path;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const runIdOf = (stderr: string) => /run (r-[a-z0-9-]+) of suite/.exec(stderr)?.[1];

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { bom: true, columns: true }) as Record<string, string>[];
}

describe('mwbatch eval', () => {
  it('runs every check kind on the real answers and writes results, summary, junit and report', async () => {
    const dir = tempDir();
    const vpn = 'Where is the VPN portal?';
    const failing = 'Reset my badge [sim:fail]';
    const suite = writeSuite(dir, 'checks.csv', [
      { id: 'contains-ok', question: vpn, expect_contains: 'Simulated answer | VPN portal', tags: 'network' },
      { id: 'contains-bad', question: 'How do I print?', expect_contains: 'printer queue', tags: 'office' },
      { id: 'not-contains-ok', question: 'Holiday policy?', expect_not_contains: 'password | secret' },
      { id: 'not-contains-bad', question: 'What is the holiday policy?', expect_not_contains: 'HOLIDAY' },
      { id: 'regex-ok', question: 'Laptop refresh?', expect_regex: '\\[[0-9a-f]{8}\\]$' },
      { id: 'regex-bad', question: 'Laptop refresh cycle?', expect_regex: 'ticket #\\d+' },
      {
        id: 'equals-ok',
        question: 'Who approves travel?',
        expect_equals: `  ${expectedAnswer('Who approves travel?').toUpperCase()} `,
      },
      { id: 'equals-bad', question: 'Who approves leave?', expect_equals: 'Your manager.' },
      { id: 'cites-ok', question: 'Expense limits?', expect_cites: 'kb.simulator.example | any' },
      { id: 'cites-bad', question: 'Expense limits abroad?', expect_cites: 'https://intranet.example/policies' },
      { id: 'status-ok', question: failing, expect_status: 'FAILED' },
      { id: 'status-bad', question: 'Reset my password [sim:fail]' },
      { id: 'latency-ok', question: 'Parking?', max_latency_ms: '60000' },
      { id: 'latency-bad', question: 'Parking rules?', max_latency_ms: '1' },
      {
        id: 'similar-ok',
        question: 'Wifi password?',
        reference_answer: expectedAnswer('Wifi password?'),
        min_similarity: '0.9',
      },
      {
        id: 'similar-bad',
        question: 'Wifi name?',
        reference_answer: 'Ask the front desk for a guest pass.',
        min_similarity: '0.5',
      },
      { id: 'case-bad', question: 'Canteen hours?', expect_contains: 'simulated answer', case_sensitive: 'true' },
    ]);
    const out = join(dir, 'runs');
    const run = await runCli(
      ['eval', suite, '--out', out, '--fail-on', 'failure', '--junit', join(dir, 'ci.xml')],
      env,
    );
    expect(run.stderr).toContain('started run');
    expect(run.code).toBe(1); // failures, and --fail-on failure
    const runId = runIdOf(run.stderr)!;
    const runDir = join(out, 'checks', runId);
    const summary = readJson<RunSummary>(join(runDir, 'summary.json'));
    expect(summary).toMatchObject({ run_id: runId, suite: 'checks', questions: 17, repeats: 1, errors: 0 });
    expect(summary.passed).toBe(8);
    expect(summary.failed).toBe(9);
    expect(summary.pass_rate).toBeCloseTo(8 / 17, 3);
    expect(summary.regressions).toEqual([]);
    expect(summary.api_requests).toBeGreaterThanOrEqual(17 * 2);
    expect(summary.latency_ms.p50).toBeGreaterThan(0);

    const rows = new Map(readCsv(join(runDir, 'results.csv')).map((r) => [r.id!, r]));
    for (const id of [
      'contains-ok',
      'not-contains-ok',
      'regex-ok',
      'equals-ok',
      'cites-ok',
      'status-ok',
      'latency-ok',
      'similar-ok',
    ]) {
      expect({ id, passed: rows.get(id)?.passed, why: rows.get(id)?.failed_checks }).toEqual({
        id,
        passed: 'true',
        why: '',
      });
    }
    const why = (id: string) => rows.get(id)?.failed_checks;
    expect(why('contains-bad')).toBe('expect_contains "printer queue": not found');
    expect(why('not-contains-bad')).toMatch(/^expect_not_contains "HOLIDAY": found/);
    expect(why('regex-bad')).toMatch(/^expect_regex .*ticket.*: no match/);
    expect(why('equals-bad')).toMatch(/^expect_equals/);
    expect(why('cites-bad')).toMatch(/^expect_cites "https:\/\/intranet.example\/policies": not cited/);
    expect(why('status-bad')).toBe('expect_status COMPLETED: got FAILED');
    expect(why('latency-bad')).toMatch(/^max_latency_ms 1: took \d+/);
    expect(why('similar-bad')).toMatch(/^min_similarity 0\.50: scored 0\.\d\d/);
    expect(why('case-bad')).toMatch(/^expect_contains "simulated answer": not found/);
    expect(rows.get('contains-bad')?.repeat).toBe('1');
    expect(rows.get('contains-ok')?.answer).toBe(expectedAnswer(vpn));

    const junit = readFileSync(join(runDir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(17);
    expect(junit.match(/<failure /g)).toHaveLength(9);
    expect(junit).toContain('expect_contains &quot;printer queue&quot;: not found');
    expect(readFileSync(join(dir, 'ci.xml'), 'utf8')).toBe(junit);
    const jsonl = readFileSync(join(runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.find((r) => r.rowId === 'contains-bad')).toMatchObject({ passed: false, repeat: 1, tags: ['office'] });
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(run.stdout).toContain(`run ${runId} of suite checks: 17 questions × 1: 8 passed, 9 failed, 0 errors`);

    // Each question asked once.
    const asked = stack.sim.stats().submissionsByQuestion;
    expect(asked[vpn]).toBe(1);
    expect(asked[failing]).toBe(1);
  });

  it('finds the regression, the fix and the changed answer between two runs; exit 1 on a regression', async () => {
    const dir = tempDir();
    const [stable, breaks, heals] = ['Stable question?', 'Question that breaks?', 'Question that heals?'];
    const suite = writeSuite(dir, 'nightly.csv', [
      { id: 'stable', question: stable, expect_contains: 'Simulated answer' },
      { id: 'breaks', question: breaks, expect_contains: 'Simulated answer' },
      { id: 'heals', question: heals, expect_contains: 'VPN portal' },
    ]);
    const out = join(dir, 'runs');
    stack.sim.configure({ answers: { [heals]: 'Not sure.' } });
    const first = await runCli(['eval', suite, '--out', out], env);
    expect(first.code).toBe(0); // failures, but no baseline: no regression
    const firstId = runIdOf(first.stderr)!;

    stack.sim.configure({ answers: { [breaks]: 'I cannot help with that.', [heals]: 'Use the VPN portal.' } });
    const second = await runCli(['eval', suite, '--out', out, '--baseline', 'latest'], env);
    stack.sim.configure({ answers: {} });
    expect(second.code).toBe(1);
    const secondId = runIdOf(second.stderr)!;
    const summary = readJson<RunSummary>(join(out, 'nightly', secondId, 'summary.json'));
    expect(summary).toMatchObject({
      baseline_run_id: firstId,
      regressions: ['breaks'],
      fixed: ['heals'],
      changed_answers: ['breaks', 'heals'],
      passed: 2,
      failed: 1,
    });
    expect(second.stdout).toContain(`regression breaks: ${breaks}`);

    // The real run's report, as a person opens it: from disk, offline; the regression is there and filters alone.
    const browser = await launchChromium();
    try {
      const { page, blocked, errors, close } = await offlinePage(browser);
      await page.goto(fileUrl(join(out, 'nightly', secondId, 'report.html')));
      await waitFor(
        'the report to render',
        async () => (await page.locator('body').getAttribute('data-ready')) === '1',
      );
      await page.getByLabel('regressions only').check();
      const shown = await page
        .locator('#rows tbody tr:not([hidden])')
        .evaluateAll((trs) => trs.map((tr) => tr.dataset.rowId));
      expect(shown).toEqual(['breaks']);
      expect(await page.locator('#rows tbody tr:not([hidden])').textContent()).toContain('I cannot help with that.');
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.getByLabel('regressions only').uncheck();
      await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    } finally {
      await browser.close();
    }

    const runs = await runCli(['runs', 'nightly', '--out', out], env);
    expect(runs.code).toBe(0);
    const lines = runs.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(firstId);
    expect(lines[2]).toMatch(new RegExp(`${secondId}.*66\\.7%\\s+1\\s`));

    // The report is rebuilt from the files alone, here against the second run itself: nothing regressed.
    const report = await runCli(
      ['report', join(out, 'nightly', secondId), '--baseline', join(out, 'nightly', secondId)],
      env,
    );
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('report.html');
  });

  it('asks each question --repeat times in separate conversations and finds the flaky one', async () => {
    const dir = tempDir();
    const varying = 'Which office am I in? [sim:vary=3]';
    const suite = writeSuite(dir, 'repeats.csv', [
      { id: 'varying', question: varying, expect_contains: 'variant 1 of 3' },
      { id: 'steady', question: 'Steady question?', expect_contains: 'Simulated answer' },
    ]);
    const out = join(dir, 'runs');
    const before = stack.sim.stats().conversationsCreated;
    const run = await runCli(['eval', suite, '--out', out, '--repeat', '3'], env);
    expect(run.code).toBe(0);
    const summary = readJson<RunSummary>(join(out, 'repeats', runIdOf(run.stderr)!, 'summary.json'));
    expect(summary).toMatchObject({ questions: 2, repeats: 3, passed: 1, failed: 1, flaky: ['varying'] });
    expect(stack.sim.stats().submissionsByQuestion[varying]).toBe(3);
    expect(stack.sim.stats().conversationsCreated - before).toBe(6);
    const rows = readCsv(join(out, 'repeats', summary.run_id, 'results.csv'));
    // The three repeats run side by side: whichever was asked first got variant 1, and only that one passed.
    const varyingRows = rows.filter((r) => r.id === 'varying');
    expect(varyingRows.map((r) => r.repeat).sort()).toEqual(['1', '2', '3']);
    expect(varyingRows.map((r) => r.passed).sort()).toEqual(['false', 'false', 'true']);
    // Per question: its pass rate over the repeats and how many different answers it got.
    expect(varyingRows.map((r) => [r.question_pass_rate, r.distinct_answers])).toEqual(Array(3).fill(['0.3333', '3']));
    const steadyRows = rows.filter((r) => r.id === 'steady');
    expect(steadyRows.map((r) => [r.question_pass_rate, r.distinct_answers])).toEqual(Array(3).fill(['1', '1']));
  });

  it('counts the 429s the API answered, and still asks each question once', async () => {
    const dir = tempDir();
    const questions = Array.from({ length: 8 }, (_, i) => `Rate limited evaluation question ${i}?`);
    const suite = writeSuite(
      dir,
      'limited.csv',
      questions.map((question) => ({ question, expect_contains: 'Simulated answer' })),
    );
    const before = stack.sim.requests().length;
    stack.sim.configure({ rate429: 0.3 });
    const run = await runCli(['eval', suite, '--out', join(dir, 'runs')], env).finally(() =>
      stack.sim.configure({ rate429: 0 }),
    );
    expect(run.code).toBe(0);
    const summary = readJson<RunSummary>(join(dir, 'runs', 'limited', runIdOf(run.stderr)!, 'summary.json'));
    // The run's calls: all but the CLI's one API check through the worker (GET /conversations, retried on 429).
    const calls = stack.sim
      .requests()
      .slice(before)
      .filter((r) => !(r.method === 'GET' && r.route === '/conversations'));
    const answered429 = calls.filter((r) => r.status === 429).length;
    expect(answered429).toBeGreaterThan(0);
    expect(summary.http_429s).toBe(answered429);
    expect(summary.api_requests).toBe(calls.length);
    expect(summary.passed).toBe(8);
    const asked = stack.sim.stats().submissionsByQuestion;
    for (const q of questions) expect({ q, asked: asked[q] }).toEqual({ q, asked: 1 });
  });

  it('refuses a bad suite with file:line:column errors, exit 2, nothing asked', async () => {
    const dir = tempDir();
    const suite = writeSuite(dir, 'bad.csv', [
      { question: 'ok?', expect_regex: '(unclosed', expect_sometimes: 'x' },
      { question: 'also ok?', min_similarity: '0.5', expect_regex: '' },
    ]);
    const before = stack.sim.requests().length;
    const run = await runCli(['eval', suite, '--out', join(dir, 'runs')], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${suite}:1:expect_sometimes: unknown check column`);
    expect(run.stderr).toMatch(new RegExp(`${suite}:2:expect_regex: .*`));
    expect(run.stderr).toContain(`${suite}:3:reference_answer: required with min_similarity`);
    expect(run.stderr).toContain('nothing was asked');
    expect(stack.sim.requests().length).toBe(before);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('resumes a run with --run after its client was killed, as it was started, each question asked once per repeat', async () => {
    const dir = tempDir();
    const questions = Array.from({ length: 12 }, (_, i) => `Resumable evaluation question ${i}?`);
    const suite = writeSuite(
      dir,
      'resume.csv',
      questions.map((question) => ({ question, expect_contains: 'Simulated answer' })),
    );
    const out = join(dir, 'runs');
    const started = [MWBATCH_BIN, 'eval', suite, '--out', out, '--concurrency', '2', '--repeat', '2'];
    const child = spawn(process.execPath, started, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const suiteDir = join(out, 'resume');
    await waitFor('the run to start', () => existsSync(suiteDir) && readdirSync(suiteDir).length === 1);
    const runId = readdirSync(suiteDir)[0]!;
    await waitFor('a few questions to be asked', () => {
      const asked = stack.sim.stats().submissionsByQuestion;
      return questions.filter((q) => asked[q] !== undefined).length >= 3;
    });
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(suiteDir, runId, 'summary.json'))).toBe(false);

    // Resumed without --repeat: the run goes on with the 2 repeats it was started with.
    const resumed = await runCli(['eval', suite, '--out', out, '--run', runId], env);
    expect(resumed.stderr).toContain(`resuming run ${runId} of suite resume: 12 questions × 2`);
    expect(resumed.code).toBe(0);
    const summary = readJson<RunSummary>(join(suiteDir, runId, 'summary.json'));
    expect(summary).toMatchObject({ run_id: runId, questions: 12, repeats: 2, passed: 12 });
    expect(readCsv(join(suiteDir, runId, 'results.csv'))).toHaveLength(24);
    const asked = stack.sim.stats().submissionsByQuestion;
    for (const q of questions) expect({ q, asked: asked[q] }).toEqual({ q, asked: 2 });
  });
});
