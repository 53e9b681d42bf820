/**
 * `submit` times the first poll of the questions it starts from the answer times the batch has already seen (the
 * API's completed_at − created_at), so a steady assistant's answer is found by one poll instead of two and sooner.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import type { ConversationInput } from '../../common/types';
import { conversationWorkflowId } from '../../common/names';
import { workflowInput } from '../../batch/inspect';

const ANSWER_MS = 1200;
const { stack, env } = useCliStack({ simulator: { answerDelayMs: ANSWER_MS } });

describe('first poll timed from the batch', () => {
  it('polls the later questions once, when their answer is due, instead of on the fixed schedule', async () => {
    const dir = tempDir();
    const ids = Array.from({ length: 24 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    const file = writeCsv(dir, 'questions.csv', ['id,question', ...ids.map((id) => `${id},Question number ${id}`)]);
    const out = join(dir, 'out');
    const batch = `e2e-first-poll-${Date.now()}`;
    const run = await runCli(['submit', file, '--batch', batch, '--out', out, '--concurrency', '2'], env);
    expect(run.code, run.stderr).toBe(0);

    const rows = new Map(readResultsCsv(out).map((row) => [row.id!, row]));
    // attempts = create conversation + create response + the polls. The first questions poll at 1 s (not ready)
    // and at 2.5 s; once ten answers are known, the next ones poll once, at the answer time the API reported.
    for (const id of ids.slice(0, 2)) expect(Number(rows.get(id)!.attempts), id).toBe(4);
    for (const id of ids.slice(-6)) expect(Number(rows.get(id)!.attempts), id).toBe(3);
    const last = await workflowInput<ConversationInput>(stack.client, conversationWorkflowId(batch, ids.at(-1)!));
    expect(last.poll?.firstPollMs).toBeGreaterThanOrEqual(ANSWER_MS);
    expect(last.poll?.firstPollMs).toBeLessThan(ANSWER_MS + 100);
    const latency = (id: string) => Number(rows.get(id)!.latency_ms);
    expect(Math.max(...ids.slice(-6).map(latency))).toBeLessThan(Math.min(...ids.slice(0, 2).map(latency)));
  });
});
