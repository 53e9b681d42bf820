/**
 * Never hang on size: a conversation whose answers together pass Temporal's 2 MB payload limit (and grow its
 * history past its budget) completes through the real CLI with every answer whole; an answer over the client's
 * cap ends its row ERROR with a message about size instead of stalling the workflow.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { readJournal, readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 50 } });

describe('large answers', () => {
  it('a conversation of 50 turns with 100 KB answers completes with every answer', { timeout: 300_000 }, async () => {
    const dir = tempDir();
    const questions = Array.from({ length: 50 }, (_, i) => `long answer ${i + 1} [sim:size=100000]`);
    const file = writeCsv(dir, 'long.csv', ['id,question,conversation', ...questions.map((q, i) => `t${i},${q},long`)]);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-large', '--out', out], env);
    expect(run.code, run.stderr).toBe(0);

    const journal = readJournal(out);
    expect(journal).toHaveLength(50);
    for (const [i, question] of questions.entries()) {
      const record = journal.find((r) => r.rowId === `t${i}`);
      expect(record?.status).toBe('COMPLETED');
      expect(record?.answer === expectedAnswer(question), `answer of t${i}`).toBe(true);
    }
    expect(new Set(journal.map((r) => r.conversationId)).size).toBe(1);
    for (const question of questions) expect(stack.sim.stats().submissionsByQuestion[question]).toBe(1);

    // `results` rebuilds the same answers from Temporal alone.
    const rebuilt = join(dir, 'rebuilt');
    const again = await runCli(['results', 'e2e-large', '--out', rebuilt], env);
    expect(again.code, again.stderr).toBe(0);
    const rows = readResultsCsv(rebuilt);
    expect(rows).toHaveLength(50);
    for (const row of rows) expect(row.answer === expectedAnswer(row.question!), `rebuilt ${row.id}`).toBe(true);
  });

  it('an answer over the size cap ends its row ERROR, saying so', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'huge.csv', ['id,question', 'huge,a huge answer [sim:size=3000000]', 'ok,a normal one']);
    const out = join(dir, 'out');
    const run = await runCli(['submit', file, '--batch', 'e2e-huge', '--out', out], env);
    expect(run.code).toBe(1);
    const rows = readResultsCsv(out);
    const huge = rows.find((r) => r.id === 'huge');
    expect(huge?.status).toBe('ERROR');
    expect(huge?.error_message).toMatch(/size/);
    expect(rows.find((r) => r.id === 'ok')?.status).toBe('COMPLETED');
  });
});
