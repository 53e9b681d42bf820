/**
 * How long the CLI takes to start: `mwbatch --version` (which loads every command, as each command does) run again
 * and again, for each Node given, with V8's compile cache on and off (bin/mwbatch.js turns it on from Node 22.8), and
 * optionally for another build of the project (`--code DIR`, as compare.js takes it) to compare before and after.
 * Each run has a temp folder of its own for the cache, filled by one run first; runs of the combinations are
 * interleaved so that a busy second hits all of them alike. Prints one table.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/startup.js \
 *     [--node "$(scripts/node24.sh)"] [--code DIR] [--runs 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..'); // dist/bench/bench → the project

interface Case {
  node: string;
  nodeVersion: string;
  build: string;
  cache: boolean;
  /** The temp folder the runs get (the compile cache's default place is in it). */
  tmp: string;
  ms: number[];
  modules: number;
}

const usage = 'usage: startup.js [--node PATH ...] [--code DIR] [--runs N]   (default: this node, this build, 20 runs)';

function options() {
  const { values } = parseArgs({
    options: {
      node: { type: 'string', multiple: true, default: [] },
      code: { type: 'string' },
      runs: { type: 'string', default: '20' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a whole number, not ${values.runs}\n${usage}`);
  const nodes = values.node.length > 0 ? values.node : [process.execPath];
  for (const node of nodes) if (!existsSync(node)) throw new Error(`--node: no file ${node}\n${usage}`);
  const builds = [ROOT, ...(values.code ? [resolve(values.code)] : [])];
  for (const build of builds) {
    if (!existsSync(join(build, 'dist', 'cli', 'main.js'))) {
      throw new Error(`--code: ${build} has no dist/cli/main.js (run npm run build there)\n${usage}`);
    }
  }
  return { runs, nodes, builds };
}

/** One start of the CLI: wall milliseconds, and how many modules it loaded (written by the preload at exit). */
function timeOneStart(c: Case, preload: string): { ms: number; modules: number } {
  const report = join(c.tmp, 'modules.txt');
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: c.tmp, MODULES_REPORT: report };
  delete env.NODE_COMPILE_CACHE;
  if (c.cache) delete env.NODE_DISABLE_COMPILE_CACHE;
  else env.NODE_DISABLE_COMPILE_CACHE = '1';
  const started = process.hrtime.bigint();
  const run = spawnSync(c.node, ['--require', preload, join(c.build, 'bin', 'mwbatch.js'), '--version'], { env });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${c.node} ${c.build}: exit ${run.status}: ${String(run.stderr)}`);
  return { ms, modules: Number(readFileSync(report, 'utf8')) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function main(): void {
  const { runs, nodes, builds } = options();
  const work = mkdtempSync(join(tmpdir(), 'mwbatch-startup-'));
  try {
    const preload = join(work, 'count-modules.js');
    writeFileSync(
      preload,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_REPORT, " +
        'String(Object.keys(require.cache).length)));',
    );
    const cases: Case[] = [];
    for (const node of nodes) {
      const nodeVersion = String(spawnSync(node, ['--version']).stdout).trim();
      for (const build of builds) {
        for (const cache of [true, false]) {
          const tmp = mkdtempSync(join(work, 'case-'));
          cases.push({ node, nodeVersion, build, cache, tmp, ms: [], modules: 0 });
        }
      }
    }
    for (const c of cases) c.modules = timeOneStart(c, preload).modules; // fills the cache, warms the file cache
    for (let i = 0; i < runs; i++) for (const c of cases) c.ms.push(timeOneStart(c, preload).ms);

    const rows = cases.map((c) => [
      c.nodeVersion,
      c.build === ROOT ? 'this tree' : c.build,
      c.cache ? 'on' : 'off',
      existsSync(join(c.tmp, 'node-compile-cache')) ? 'yes' : 'no',
      String(runs),
      median(c.ms).toFixed(0),
      mean(c.ms).toFixed(0),
      Math.min(...c.ms).toFixed(0),
      String(c.modules),
    ]);
    const header = [
      'node',
      'build',
      'compile cache',
      'cache written',
      'runs',
      'median ms',
      'mean ms',
      'min ms',
      'modules',
    ];
    console.log(`| ${header.join(' | ')} |`);
    console.log(`| ${header.map(() => '---').join(' | ')} |`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
