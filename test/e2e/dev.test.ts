/**
 * `mwbatch dev` (what `make run` runs) twice in the same folder: its dev server starts empty each time, so each run
 * must ask its questions again, as a new batch, rather than print the answers an earlier run left in results/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';

const QUESTION = 'Where is the VPN portal?';

describe('mwbatch dev run twice', () => {
  it('asks again the second time, as a new batch with its own results folder', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'questions.csv', ['question', QUESTION]);
    const batches: string[] = [];
    for (let run = 1; run <= 2; run++) {
      const dev = await runCli(['dev', file], {}, dir);
      expect(dev.code, dev.stderr).toBe(0);
      expect(dev.stdout, `run ${run}`).toContain(`[COMPLETED] ${QUESTION}\n    → ${expectedAnswer(QUESTION)}`);
      const batch = /Results: results\/(demo-\d{8}-\d{6})\/results\.csv/.exec(dev.stdout)?.[1];
      expect(batch).toBeDefined();
      batches.push(batch!);
    }
    expect(batches[1]).not.toBe(batches[0]);
    for (const batch of batches) {
      expect(existsSync(join(dir, 'results', batch))).toBe(true);
      expect(readResultsCsv(join(dir, 'results', batch)).map((row) => row.status)).toEqual(['COMPLETED']);
    }
  });
});
