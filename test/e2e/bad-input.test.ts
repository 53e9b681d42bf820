/** Bad files are refused whole: every problem as `file:line:column: message`, exit 2, nothing submitted. */
import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack();

const cases: [string, string[], RegExp[]][] = [
  ['a missing question column', ['id,text', '1,hello'], [/:1:question: /]],
  ['an empty question', ['id,question', '1,fine', '2,   '], [/:3:question: /]],
  ['duplicate ids', ['id,question', 'x,one', 'x,two'], [/:3:id: .*line 2/]],
  ['an over-long title', ['question,title', `hello,${'t'.repeat(257)}`], [/:2:title: .*256/]],
  ['several problems at once', ['id,question', 'x,', 'x,two', 'y,'], [/:2:question/, /:3:id/, /:4:question/]],
];

describe('mwbatch submit with bad input', () => {
  it.each(cases)('refuses %s', async (_name, lines, messages) => {
    const dir = tempDir();
    const file = writeCsv(dir, 'bad.csv', lines);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-bad', '--out', out], env);
    expect(run.code).toBe(2);
    for (const message of messages) expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('nothing was submitted');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(stack.sim.requests()).toHaveLength(0);
    expect((await stack.client.workflow.count('BatchId="e2e-bad"')).count).toBe(0);
  });

  it('refuses a file that is not UTF-8', async () => {
    const dir = tempDir();
    const file = join(dir, 'latin1.csv');
    writeFileSync(file, Buffer.from('question\ncaf\xe9 au lait?\n', 'latin1'));
    const run = await runCli(['submit', file, '--batch', 'e2e-bad'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/:2:question: .*UTF-8/);
  });

  it('refuses a missing file and a bad option with exit 2', async () => {
    expect((await runCli(['submit', '/nonexistent/q.csv'], env)).code).toBe(2);
    expect((await runCli(['submit', 'x.csv', '--concurrency', 'zero'], env)).code).toBe(2);
    expect((await runCli(['submit', 'x.csv', '--batch', 'bad"id'], env)).code).toBe(2);
  });

  it('--skip-invalid submits the valid rows and writes the rejected ones with reasons', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'mixed.csv', ['id,question', 'ok,a fine question', 'empty,']);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-skip', '--out', out, '--skip-invalid'], env);
    expect(run.code).toBe(0);
    expect(existsSync(join(out, 'rejected.csv'))).toBe(true);
    expect(stack.sim.requests().filter((r) => r.method === 'POST' && r.route.endsWith('/responses'))).toHaveLength(1);
  });

  it('exits 3 naming the address when Temporal is unreachable', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'q.csv', ['question', 'hello']);
    const run = await runCli(['submit', file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('127.0.0.1:1');
  });
});

describe('mwbatch submit with large bad input', () => {
  it('refuses a 50 MB single cell, naming its line and column, without holding it', async () => {
    const dir = tempDir();
    const file = join(dir, 'huge-cell.csv');
    writeFileSync(file, `id,question\nok,fine\nbig,"${'x'.repeat(50 * 1024 * 1024)}"\n`);
    const before = stack.sim.requests().length;
    const run = await runCli(['submit', file, '--batch', 'e2e-bad'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/:3:question: /);
    expect(stack.sim.requests()).toHaveLength(before);
  });

  it('validates 100,000 rows and reports the one bad row near the end', async () => {
    const dir = tempDir();
    const lines = ['id,question'];
    for (let i = 1; i <= 100_000; i++) lines.push(`r${i},question number ${i}`);
    lines[99_999] = 'r99999,'; // an empty question on line 100,000
    const file = writeCsv(dir, 'many.csv', lines);
    const before = stack.sim.requests().length;
    const run = await runCli(['submit', file, '--batch', 'e2e-bad'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/:100000:question: /);
    expect(run.stderr).toContain('1 problem(s)');
    expect(stack.sim.requests()).toHaveLength(before);
  });

  it('refuses binary garbage', async () => {
    const dir = tempDir();
    const file = join(dir, 'garbage.csv');
    writeFileSync(file, Buffer.concat([Buffer.from('question\n'), Buffer.from([0, 159, 146, 150, 0, 255, 254, 10])]));
    const before = stack.sim.requests().length;
    const run = await runCli(['submit', file, '--batch', 'e2e-bad'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(stack.sim.requests()).toHaveLength(before);
  });
});
