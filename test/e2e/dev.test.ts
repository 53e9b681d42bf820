/**
 * `mwbatch dev` (what `make run` runs) twice in the same folder: its dev server starts empty each time, so each run
 * must ask its questions again, as a new batch, rather than print the answers an earlier run left in results/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionQuestion, expectedAnswer, MORE_ACTION_LABEL } from '../../simulator';
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

describe('mwbatch dev with MOVEWORKS_API=v1', () => {
  it('runs the whole job against the v1 API of the simulator (conv_/resp_ ULIDs, /assistant/v1), pressing a button', async () => {
    const dir = tempDir();
    const press = `label:${MORE_ACTION_LABEL}`;
    const file = writeCsv(dir, 'questions.csv', [
      'conversation,question,callback_id',
      `vpn,${QUESTION},`,
      `vpn,,${press}`,
    ]);
    const dev = await runCli(['dev', file], { MOVEWORKS_API: 'v1' }, dir);
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stderr).toMatch(/Moveworks simulator on http:\/\/127\.0\.0\.1:\d+\/assistant\/v1 \(v1 API\)/);
    expect(dev.stdout).toContain(`[COMPLETED] ${QUESTION}\n    → ${expectedAnswer(QUESTION)}`);
    expect(dev.stdout).toContain(`[COMPLETED] (pressed ${press})\n`);
    const batch = /Results: results\/(demo-\d{8}-\d{6})\/results\.csv/.exec(dev.stdout)?.[1];
    const [row, pressed] = readResultsCsv(join(dir, 'results', batch!));
    expect(row?.conversation_id).toMatch(/^conv_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(row?.response_id).toMatch(/^resp_[0-9A-HJKMNP-TV-Z]{26}$/);
    // The second row pressed the first answer's button, in the same conversation, and says so in its column.
    expect(pressed).toMatchObject({
      callback_id: press,
      status: 'COMPLETED',
      answer: expectedAnswer(actionQuestion(MORE_ACTION_LABEL, QUESTION)),
      conversation_id: row?.conversation_id,
    });
    // The buttons and links the v1 answer offered are kept in results.jsonl.
    const [record] = readFileSync(join(dir, 'results', batch!, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { actions?: { type: string; callbackId?: string; url?: string }[] });
    expect(record?.actions?.map((a) => a.type).sort()).toEqual(['CALLBACK_ACTION', 'URL_ACTION']);
    expect(record?.actions?.find((a) => a.type === 'CALLBACK_ACTION')?.callbackId).toBeTruthy();
  });

  it('refuses an unknown MOVEWORKS_API before starting anything (exit 2)', async () => {
    const dir = tempDir();
    const file = writeCsv(dir, 'questions.csv', ['question', QUESTION]);
    const dev = await runCli(['dev', file], { MOVEWORKS_API: 'v2' }, dir);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain('MOVEWORKS_API must be beta or v1');
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});
