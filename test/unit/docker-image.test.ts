/**
 * What `docker build` needs from the repository, checked without a Docker engine: `npm ci` accepts the lock file
 * (npm 11, which the Node 24 image ships, refuses a lock that lacks any platform's optional package, such as
 * @swc/core-darwin-arm64, where npm 10 let it pass), and the image's workers load the workflow bundle `npm run build`
 * makes, with the encrypting failure converter, rather than one bundled again without it (failure messages of
 * encrypted workers would then reach Temporal in clear text).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface LockEntry {
  version?: string;
  optional?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
}
const lock = JSON.parse(read('package-lock.json')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
const manifest = JSON.parse(read('package.json')) as LockEntry & { scripts: Record<string, string> };

/** Where Node (and npm) would find `name` required from the package at `from`: its own node_modules, then up. */
function resolveInLock(from: string, name: string): LockEntry | undefined {
  for (let dir = from; ; dir = dir.slice(0, dir.lastIndexOf('/node_modules/'))) {
    const entry = lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`];
    if (entry) return entry;
    if (!dir.includes('/node_modules/')) return dir === '' ? undefined : lock.packages[`node_modules/${name}`];
  }
}

describe('package-lock.json', () => {
  it('lists every optional (platform) package of every package, as npm 11 requires for `npm ci`', () => {
    expect(lock.lockfileVersion).toBe(3);
    const missing: string[] = [];
    let optional = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        optional += 1;
        if (!resolveInLock(path, name)) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(optional).toBeGreaterThan(10); // @swc/core alone has a dozen platforms
    expect(missing).toEqual([]);
    for (const platform of ['darwin-arm64', 'linux-x64-gnu', 'linux-arm64-gnu', 'win32-x64-msvc']) {
      expect(lock.packages, platform).toHaveProperty([`node_modules/@swc/core-${platform}`]);
    }
  });

  it('matches package.json (dependencies and engines)', () => {
    const rootEntry = lock.packages['']!;
    expect(rootEntry.dependencies).toEqual(manifest.dependencies);
    expect(rootEntry.devDependencies).toEqual(manifest.devDependencies);
    expect(rootEntry.engines).toEqual(manifest.engines);
  });

  it('is accepted by `npm ci` of the npm installed here (offline dry run in a copy)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mwbatch-npm-ci-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(dir, file));
      const npm = spawnSync(
        'npm',
        ['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
      );
      const version = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim();
      expect(npm.status, `npm ${version} ci:\n${npm.stderr}`).toBe(0);
      expect(npm.stderr).not.toMatch(/Missing: .* from lock file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The Dockerfile's instructions, continuation lines joined, comments dropped, with the stage they belong to. */
function instructions(): Array<{ keyword: string; args: string; stage: string }> {
  const result: Array<{ keyword: string; args: string; stage: string }> = [];
  let stage = '';
  for (const line of read('Dockerfile').replace(/\\\n/g, ' ').split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const keyword = match[1]!.toUpperCase();
    if (keyword === 'FROM') stage = (/\bAS\s+(\S+)/i.exec(match[2]!)?.[1] ?? '').toLowerCase();
    result.push({ keyword, args: match[2]!.trim(), stage });
  }
  return result;
}

describe('Dockerfile', () => {
  const all = instructions();
  const runs = all.filter((i) => i.keyword === 'RUN');

  it('installs with `npm ci` from the lock file (the same install on npm 10 and npm 11)', () => {
    const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/\bnpm ci\b/);
  });

  it('builds with `npm run build` alone, whose last step writes the workflow bundle with the failure converter', () => {
    const build = runs.filter((r) => r.args.includes('npm run build'));
    expect(build).toHaveLength(1);
    expect(build[0]!.args.trim()).toBe('npm run build');
    // No second bundling anywhere in the image: one bundle, the build's.
    for (const run of runs) expect(run.args).not.toMatch(/bundleWorkflowCode|workflow-bundle|webpack/);
    expect(manifest.scripts.build).toMatch(/node dist\/scripts\/bundle-workflows\.js$/);
    const script = read('scripts/bundle-workflows.ts');
    expect(script).toMatch(/failureConverterPath: failureConverterPath\(\)/);
    expect(script).toMatch(/BUNDLE_PATH = join\(__dirname, '\.\.', 'workflow-bundle\.js'\)/);
  });

  it('points the workers at that bundle: dist/workflow-bundle.js of the build stage', () => {
    const runtimeEnv = all
      .filter((i) => i.keyword === 'ENV' && i.stage === 'runtime')
      .flatMap((e) => e.args.split(/\s+/))
      .find((kv) => kv.startsWith('MWBATCH_WORKFLOW_BUNDLE='));
    const distCopy = all.find(
      (i) => i.keyword === 'COPY' && i.stage === 'runtime' && /--from=build\s+\S*dist\s/.test(i.args),
    );
    expect(distCopy, 'the runtime stage copies dist/ from the build stage').toBeDefined();
    const distDest = distCopy!.args.split(/\s+/).at(-1)!;
    const workdir = all.filter((i) => i.keyword === 'WORKDIR' && i.stage === 'runtime')[0]!.args;
    const bundlePath = posix.join(posix.resolve(workdir, distDest), 'workflow-bundle.js');
    // Either named explicitly, or found by the worker next to the compiled code (worker/workers.ts).
    if (runtimeEnv) expect(runtimeEnv).toBe(`MWBATCH_WORKFLOW_BUNDLE=${bundlePath}`);
    else expect(read('worker/workers.ts')).toContain("join(__dirname, '..', 'workflow-bundle.js')");
  });

  it('defaults to Node 24 and allows 20, 22 and 24 in package.json', () => {
    const arg = all.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:24-bookworm-slim$/);
    expect(manifest.engines?.node).toBe('^20.3.0 || ^22.0.0 || ^24.0.0');
  });
});
