/**
 * Crash the client mid-batch (SIGKILL, no chance to clean up) and run the same command again: every row is
 * answered exactly once, finished rows cost no new API call, and the results hold no torn or duplicate row.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { readJournal, readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { MWBATCH_BIN, REPO_ROOT, runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 1_000 } });

const journalLines = (out: string) => {
  const path = join(out, 'results.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
};

describe('resuming after the client is killed', () => {
  it('answers every row once, with no duplicate API call and no duplicate row', async () => {
    const rows = 40;
    const dir = tempDir();
    const questions = Array.from({ length: rows }, (_, i) => `resumable question number ${i}`);
    const file = writeCsv(dir, 'q.csv', ['question', ...questions]);
    const out = join(dir, 'out');
    const args = ['submit', file, '--batch', 'e2e-resume', '--out', out, '--concurrency', '4'];

    const client = spawn(process.execPath, [MWBATCH_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    await waitFor('a few rows to be written', () => journalLines(out) >= 6);
    client.kill('SIGKILL');
    await exited;
    const finishedBeforeKill = readJournal(out);
    expect(finishedBeforeKill.length).toBeLessThan(rows);
    const seqAtKill = stack.sim.requests().at(-1)?.seq ?? 0;

    const rerun = await runCli(args, env);
    expect(rerun.code).toBe(0);

    const results = readResultsCsv(out);
    expect(results).toHaveLength(rows);
    expect(new Set(results.map((r) => r.question)).size).toBe(rows);
    for (const r of results) expect(r.answer).toBe(expectedAnswer(r.question!));
    const journal = readJournal(out);
    expect(journal).toHaveLength(rows);

    // The simulator saw one conversation and one submitted turn per question, never more.
    const requests = stack.sim.requests();
    const posted = requests.filter((r) => r.method === 'POST' && r.route.endsWith('/responses'));
    expect(posted.map((r) => (r.body as { input: { text: string } }).input.text).sort()).toEqual([...questions].sort());
    expect(requests.filter((r) => r.method === 'POST' && r.route === '/conversations')).toHaveLength(rows);
    // Rows finished before the crash cost nothing after it.
    const finishedConversations = new Set(
      finishedBeforeKill.map((f) => journal.find((r) => r.rowId === f.rowId)?.conversationId),
    );
    const after = requests.filter((r) => r.seq > seqAtKill && finishedConversations.has(r.conversationId));
    expect(after).toHaveLength(0);
  });
});
