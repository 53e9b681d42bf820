/**
 * The CLI's young generation (worker/heap.ts `keepYoungGenerationSmall`): `bin/mwbatch.js` keeps it at V8's starting
 * size for client commands, which took the client of a 10,000-row batch from 159 to 118 MB (bench/COMPARE.md). These
 * tests run real processes and read V8's own statistics, so they fail on a Node whose V8 ignores the flag.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const HEAP = join(ROOT, 'dist', 'worker', 'heap.js');
const dir = mkdtempSync(join(tmpdir(), 'mwbatch-young-'));

/** A preload that writes the young generation's size (MB) when the process exits. */
const reportPath = join(dir, 'report.js');
writeFileSync(
  reportPath,
  `process.on('exit', () => require('node:fs').writeFileSync(process.env.REPORT_TO, String(
    require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576)));`,
);

/** Runs node with the preload; returns the young generation's size at exit, MB. */
function youngGenerationMb(args: string[]): number {
  const reportTo = join(dir, `young-${Math.random().toString(36).slice(2)}.txt`);
  const run = spawnSync(process.execPath, ['--require', reportPath, ...args], {
    cwd: ROOT,
    env: { ...process.env, REPORT_TO: reportTo },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return Number(readFileSync(reportTo, 'utf8'));
}

/** Allocates objects that survive scavenges, the way loading modules or holding rows does. */
const ALLOCATE = `const keep = []; for (let r = 0; r < 100; r++) { const b = []; for (let i = 0; i < 20000; i++) b.push({ i, s: 'x' + i }); keep.push(b.slice(0, 500)); }`;

describe('the young generation', () => {
  it('stays at its starting size in the CLI, where loading the modules alone used to grow it to the maximum', () => {
    const viaBin = youngGenerationMb([join(ROOT, 'bin', 'mwbatch.js'), 'help', 'submit']);
    const withoutTheSetting = youngGenerationMb([
      '-e',
      `require(${JSON.stringify(join(ROOT, 'dist', 'cli', 'main.js'))}); ${ALLOCATE}`,
    ]);
    expect(viaBin).toBeLessThanOrEqual(4);
    expect(withoutTheSetting).toBeGreaterThan(8);
  });

  it('grows again after letYoungGenerationGrow, as commands that run workers need', () => {
    const heap = JSON.stringify(HEAP);
    const small = youngGenerationMb(['-e', `require(${heap}).keepYoungGenerationSmall(); ${ALLOCATE}`]);
    const grown = youngGenerationMb([
      '-e',
      `const h = require(${heap}); h.keepYoungGenerationSmall(); h.letYoungGenerationGrow(); ${ALLOCATE}`,
    ]);
    expect(small).toBeLessThanOrEqual(4);
    expect(grown).toBeGreaterThan(8);
  });
});
