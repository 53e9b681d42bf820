/**
 * The bulk job on the PostgreSQL-backed Temporal cluster with two `mwbatch worker` processes: every row answered,
 * multi-turn rows asked in order in one conversation, both workers used, and a client killed mid-batch resumed by
 * running the same command again, each question asked once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { startClusterStack } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';
import { CASE_TIMEOUT_MS } from '../fault/helpers/fault-stack';
import { killCli, startCli } from '../fault/helpers/processes';
import { activityRuns } from '../fault/helpers/temporal';
import { verifyBatch } from '../fault/helpers/verify';

const journalLines = (out: string) => {
  const path = join(out, 'results.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
};

describe('the bulk job on a PostgreSQL-backed cluster with two workers', { timeout: CASE_TIMEOUT_MS }, () => {
  it('runs against the cluster, not the dev server', () => {
    expect(inject('temporalAddress')).toBe(inject('clusterAddress'));
  });

  it('answers every row and asks multi-turn rows in order in one conversation, on both workers', async () => {
    const { stack, cliEnv } = await startClusterStack({ name: 'cluster-bulk', rows: 0 });
    const singles = Array.from({ length: 40 }, (_, i) => `cluster single question ${i}`);
    const chats = ['a', 'b', 'c', 'd'].map((key) => [1, 2, 3].map((turn) => `chat ${key} turn ${turn}`));
    const dir = tempDir('mwbatch-cluster-');
    const file = writeCsv(dir, 'questions.csv', [
      'id,question,conversation',
      ...singles.map((q, i) => `s${i},${q},`),
      ...chats.flatMap((turns, c) => turns.map((q, t) => `c${c}t${t},${q},chat-${c}`)),
    ]);
    const out = join(dir, 'out');
    const run = await startCli(['submit', file, '--batch', `${stack.batchId}-mixed`, '--out', out], cliEnv).done;
    expect(run.code, run.stderr).toBe(0);

    const rows = readResultsCsv(out);
    expect(rows).toHaveLength(singles.length + 12);
    const wrong = rows.filter((r) => r.status !== 'COMPLETED' || r.answer !== expectedAnswer(r.question!));
    expect(wrong.map((r) => `${r.id} ${r.status} ${r.error_message}`)).toEqual([]);
    const posted = stack.sim
      .requests()
      .filter((r) => r.method === 'POST' && r.route.endsWith('/responses') && r.status < 300)
      .map((r) => ({ conversationId: r.conversationId, text: (r.body as { input: { text: string } }).input.text }));
    // Each conversation's turns in one API conversation, in the file's order; each question asked once.
    for (const [c, turns] of chats.entries()) {
      const ids = new Set(rows.filter((r) => r.conversation === `chat-${c}`).map((r) => r.conversation_id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(posted.filter((p) => p.conversationId === id).map((p) => p.text)).toEqual(turns);
    }
    expect(posted.map((p) => p.text).sort()).toEqual([...singles, ...chats.flat()].sort());
    expect(stack.sim.stats().conversationsCreated).toBe(singles.length + chats.length);
    // Both worker processes ran HTTP activities.
    const { perWorker } = await activityRuns(stack.address, out);
    expect(perWorker.size).toBe(2);
  });

  it('resumes a batch whose client was killed: the same command again, each question asked once', async () => {
    const { stack } = await startClusterStack({ name: 'cluster-resume', rows: 200 });
    const first = stack.startSubmit();
    await waitFor('20 rows to be written', () => journalLines(stack.outDir) >= 20, 120_000);
    await killCli(first);
    const writtenAtKill = journalLines(stack.outDir);
    expect(writtenAtKill).toBeLessThan(200);

    const rerun = await stack.submit();
    expect(rerun.code, rerun.stderr).toBe(0);
    verifyBatch(stack, 0, { clientKills: 1, rowsAtKill: writtenAtKill });
  });
});
