/** Files and results for the end-to-end CLI tests. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export function tempDir(prefix = 'mwbatch-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeCsv(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

export function readResultsCsv(outDir: string): Record<string, string>[] {
  return parse(readFileSync(join(outDir, 'results.csv')), { bom: true, columns: true }) as Record<string, string>[];
}

export function readJournal(
  outDir: string,
): { rowId: string; status: string; answer: string; conversationId?: string }[] {
  const text = readFileSync(join(outDir, 'results.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/**
 * The simulator's requests since `before` that a batch's conversations made: without `submit`'s one pre-flight
 * API check (GET /conversations, which nothing else sends when no create is retried).
 */
export function conversationRequestsSince(sim: { requests(): { method: string; route: string }[] }, before: number) {
  return sim
    .requests()
    .slice(before)
    .filter((r) => !(r.method === 'GET' && r.route === '/conversations'));
}
