/**
 * The settings a worker process only gets at start-up (worker/heap.ts `restartWorkerWithStartSettings`):
 * `bin/mwbatch.js worker` restarts itself in place with MALLOC_ARENA_MAX=2 and a 16 MB young-generation limit on a
 * Node that has `process.execve` (22.15 and later; CI runs this file on Node 20 and 24). On Node 24 that took a
 * worker with 1,000 conversations in flight from 483/509 to 364/397 MB (bench/COMPARE.md, "Session 11"). These
 * tests run the real command and read, at its exit, its process id, environment and how far V8 lets its young
 * generation grow.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf, workerRestart } from '../../worker/heap';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mwbatch.js');
const dir = mkdtempSync(join(tmpdir(), 'mwbatch-start-'));
const canRestart = typeof (process as { execve?: unknown }).execve === 'function';

/**
 * A preload that reports, when the process exits: its pid, MALLOC_ARENA_MAX, and the young generation's size after
 * it was let grow under objects that survive scavenges (V8 grows it up to its limit).
 */
const reportPath = join(dir, 'report.js');
writeFileSync(
  reportPath,
  `process.on('exit', () => {
    const v8 = require('node:v8');
    v8.setFlagsFromString('--semi-space-growth-factor=2');
    const keep = [];
    for (let r = 0; r < 300; r++) { const b = []; for (let i = 0; i < 20000; i++) b.push({ i, s: 'x' + i }); keep.push(b.slice(0, 2000)); }
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    require('node:fs').writeFileSync(process.env.REPORT_TO, JSON.stringify({ pid: process.pid, arena: process.env.MALLOC_ARENA_MAX ?? null, young }));
  });`,
);

interface Report {
  pid: number;
  arena: string | null;
  young: number;
}

/** Runs `mwbatch …args` without the Moveworks settings (a worker exits 2 at once, naming them). */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { report: Report; pid: number; status: number | null; stderr: string } {
  const reportTo = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  const child = spawnSync(process.execPath, ['--require', reportPath, BIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REPORT_TO: reportTo, ...env },
    encoding: 'utf8',
  });
  const report = JSON.parse(readFileSync(reportTo, 'utf8')) as Report;
  return { report, pid: child.pid!, status: child.status, stderr: child.stderr };
}

describe('a worker process restarts itself with the start-up memory settings', () => {
  it.runIf(canRestart)(
    'in place: same process, MALLOC_ARENA_MAX=2, young generation capped at 16 MB semi-spaces',
    () => {
      const worker = run(['worker']);
      expect(worker.status).toBe(2);
      expect(worker.stderr).toContain('MOVEWORKS_ASSISTANT_NAME');
      expect(worker.report.pid).toBe(worker.pid);
      expect(worker.report.arena).toBe('2');
      // The same growth in a client command, which is not restarted: Node 24's own limit is 64 MB semi-spaces.
      const client = run(['help']);
      expect(worker.report.young).toBeLessThanOrEqual(32);
      expect(client.report.arena).toBeNull();
      expect(client.report.young).toBeGreaterThanOrEqual(worker.report.young);
    },
  );

  it.runIf(canRestart)('keeps what the user set', () => {
    const worker = run(['--address', 'localhost:7233', 'worker'], { MALLOC_ARENA_MAX: '4' });
    expect(worker.report.arena).toBe('4');
    expect(worker.report.pid).toBe(worker.pid);
  });

  it.skipIf(canRestart)('on a Node without process.execve, runs on unchanged', () => {
    const worker = run(['worker']);
    expect(worker.status).toBe(2);
    expect(worker.report.arena).toBeNull();
  });
});

describe('workerRestart', () => {
  it('finds the command behind the global options', () => {
    expect(commandOf(['--address', 'worker', 'submit', 'worker'])).toBe('submit');
    expect(commandOf(['--namespace=x', 'worker'])).toBe('worker');
    expect(commandOf(['--help'])).toBeUndefined();
  });

  it('restarts worker and dev, never a client command, and only for what is missing', () => {
    expect(workerRestart(['submit', 'worker.csv'], {}, [])).toBeUndefined();
    expect(workerRestart(['worker'], {}, [])).toEqual({
      env: { MALLOC_ARENA_MAX: '2' },
      flags: ['--max-semi-space-size=16'],
    });
    expect(workerRestart(['dev'], { MALLOC_ARENA_MAX: '8' }, [])).toEqual({
      env: { MALLOC_ARENA_MAX: '8' },
      flags: ['--max-semi-space-size=16'],
    });
    expect(workerRestart(['worker'], { NODE_OPTIONS: '--max_semi_space_size=32' }, [])?.flags).toEqual([]);
    expect(workerRestart(['worker'], { MALLOC_ARENA_MAX: '2' }, ['--max-semi-space-size=8'])).toBeUndefined();
  });
});
