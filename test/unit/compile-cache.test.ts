/**
 * The CLI's compile cache (bin/mwbatch.js): on Node 22.8 and later each command keeps V8's compiled code of its
 * modules for the next one, and a folder it cannot write must never stop a command. Real processes, as a user runs
 * them; on Node 20 (no such cache) only the second holds.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as nodeModule from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mwbatch.js');
const dir = mkdtempSync(join(tmpdir(), 'mwbatch-compile-cache-'));
const hasCompileCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** `mwbatch --version` with `tmp` as the temp folder, where the cache goes by default. */
function mwbatch(tmp: string, env: Record<string, string> = {}) {
  const { NODE_COMPILE_CACHE: _, NODE_DISABLE_COMPILE_CACHE: __, ...rest } = process.env;
  return spawnSync(process.execPath, [BIN, '--version'], {
    cwd: ROOT,
    env: { ...rest, TMPDIR: tmp, ...env },
    encoding: 'utf8',
  });
}

/** Every file under `folder`, recursively. */
const filesIn = (folder: string) =>
  readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

describe('the compile cache', () => {
  it.runIf(hasCompileCache)('keeps the compiled modules for the next command, unless turned off', () => {
    const tmp = join(dir, 'on');
    mkdirSync(tmp);
    const first = mwbatch(tmp);
    expect(first.status, first.stderr).toBe(0);
    expect(filesIn(join(tmp, 'node-compile-cache')).length).toBeGreaterThan(0);
    const second = mwbatch(tmp);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);

    const off = join(dir, 'off');
    mkdirSync(off);
    const disabled = mwbatch(off, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(disabled.status, disabled.stderr).toBe(0);
    expect(readdirSync(off)).toEqual([]);
  });

  it('never stops a command when its folder cannot be created', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const run = mwbatch(file);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.stderr).toBe('');
  });
});
