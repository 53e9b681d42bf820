/**
 * Results hold the questions and the answers: another account on the same machine must not be able to read them.
 * A batch's results folder (results.csv, results.jsonl, rejected.csv) and an evaluation run's folder (results,
 * summary.json, junit.xml, report.html) are created 0700 and their files 0600, whatever the umask lets through.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsWriter, writeRejectedRows, type ResultRecord } from '../../batch/results';
import { writeRunFiles } from '../../evaluation/run-files';
import type { RunSummary } from '../../evaluation/types';

const isPosix = process.platform !== 'win32';
let root: string;
let umask: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mwbatch-modes-'));
  // The usual 022 would already keep others from writing; 0 shows the modes come from us, not from the umask.
  umask = process.umask(0);
});
afterEach(async () => {
  process.umask(umask);
  await rm(root, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Every file of `dir` with its mode, and the folder's own mode. */
async function modes(dir: string): Promise<{ dir: number; files: Record<string, number> }> {
  const names = await readdir(dir);
  const files = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await mode(join(dir, n))] as const)));
  return { dir: await mode(dir), files };
}

const record: ResultRecord = {
  rowId: 'q1',
  line: 2,
  question: 'What is our parental leave policy?',
  extra: {},
  status: 'COMPLETED',
  answer: 'Sixteen weeks, paid.',
  citations: [],
  conversationId: 'conv-1',
  responseId: 'resp-1',
  latencyMs: 900,
  attempts: 1,
  workflowId: 'b-1/q1',
  finishedAt: '2026-01-01T00:00:00.000Z',
};

describe.runIf(isPosix)('file modes of results', () => {
  it('creates a batch results folder 0700 (parents too) and results.csv, results.jsonl and rejected.csv 0600', async () => {
    const dir = join(root, 'results', 'b-1');
    const writer = await ResultsWriter.open(dir, ['id', 'question']);
    await writer.append([record]);
    await writer.finalize();
    await writer.close();
    await writeRejectedRows(dir, [{ line: 3, column: 'question', message: 'is empty' }]);
    expect(await mode(join(root, 'results'))).toBe(0o700);
    expect(await modes(dir)).toEqual({
      dir: 0o700,
      files: { 'results.csv': 0o600, 'results.jsonl': 0o600, 'rejected.csv': 0o600 },
    });
  });

  it('creates an evaluation run folder 0700 and every file of the run 0600', async () => {
    const dir = join(root, 'runs', 'suite', 'r-1');
    const summary: RunSummary = {
      run_id: 'r-1',
      suite: 'suite',
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:01:00.000Z',
      questions: 1,
      repeats: 1,
      passed: 1,
      failed: 0,
      errors: 0,
      pass_rate: 1,
      flaky: [],
      regressions: [],
      fixed: [],
      changed_answers: [],
      latency_ms: { p50: 900, p95: 900 },
      api_requests: 3,
      http_429s: 0,
      baseline_run_id: null,
      suite_sha256: '0'.repeat(64),
    };
    const evalRecord = { ...record, repeat: 1, passed: true, failed_checks: [], tags: [] };
    await writeRunFiles({
      dir,
      columns: ['id', 'question'],
      summary,
      records: [evalRecord],
      baselineRecords: [],
      history: [],
    });
    const found = await modes(dir);
    expect(found.dir).toBe(0o700);
    expect(Object.keys(found.files).sort()).toEqual(
      ['junit.xml', 'report.html', 'results.csv', 'results.jsonl', 'summary.json'].sort(),
    );
    for (const [name, fileMode] of Object.entries(found.files)) expect(fileMode, name).toBe(0o600);
  });
});
