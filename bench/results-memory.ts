/**
 * The client's own data at N rows, without Temporal: the file loaded as `mwbatch submit` loads it, one results
 * append per conversation (letting each conversation go, as runBatch does), then the final rewrite of results.csv
 * in file order. Prints the process's resident set at each stage, measured in a child process that has the V8
 * settings the CLI gives itself (bin/mwbatch.js, cli/main.ts). A quick check (about a minute at 100,000 rows) of what
 * bench/bulk.ts measures in an hour; the CLI adds its Temporal client to these figures.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/results-memory.js [--rows 100000]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectedAnswer } from '../simulator/answers';
import { loadBatchFile } from '../batch/submit-file';
import type { Conversation } from '../batch/questions';
import { ResultsWriter } from '../batch/results';
import { recordFromTurn } from '../batch/turn-records';
import { DEFAULT_HEAP_SETTINGS } from '../worker/heap';
import { writeQuestions } from './measure';

const ROOT = join(__dirname, '..', '..', '..'); // dist/bench/bench → the project

interface Stage {
  stage: string;
  rssMb: number;
  peakMb: number;
}

/** The resident set now and its high-water mark, from /proc (Linux). */
function memory(stage: string): Stage {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { stage, rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** In the child: `file` is the questions, `dir` where results go. */
async function measure(file: string, dir: string): Promise<Stage[]> {
  const stages = [memory('start')];
  const batch = await loadBatchFile(file, { batchId: 'b-memory', outDir: join(dir, 'out'), skipInvalid: false });
  stages.push(memory('file loaded'));
  const results = await ResultsWriter.open(batch.outDir, batch.file.columns);
  const conversations: (Conversation | undefined)[] = batch.conversations.splice(0);
  for (let i = 0; i < conversations.length; i++) {
    const conversation = conversations[i]!;
    conversations[i] = undefined;
    const records = conversation.rows.map((row) =>
      recordFromTurn(
        row,
        {
          rowId: row.rowId,
          status: 'COMPLETED',
          answer: expectedAnswer(row.question),
          citations: [],
          latencyMs: 1100,
          attempts: 2,
        },
        `${batch.batchId}/${conversation.key}`,
      ),
    );
    await results.append(records);
    if ((i + 1) % Math.ceil(conversations.length / 4) === 0) stages.push(memory(`${i + 1} rows recorded`));
  }
  await results.finalize(batch.rowIds);
  stages.push(memory('results.csv rewritten'));
  await results.close();
  return stages;
}

/** Set in the measuring process: the folder holding questions.csv. */
const CHILD_ENV = 'MWBATCH_BENCH_RESULTS_DIR';

async function main() {
  const childDir = process.env[CHILD_ENV];
  if (childDir !== undefined) {
    process.stdout.write(JSON.stringify(await measure(join(childDir, 'questions.csv'), childDir)));
    return;
  }
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('--rows: a positive whole number');
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-results-memory-'));
  try {
    await writeQuestions(join(dir, 'questions.csv'), rows);
    // The CLI's V8 settings, set at run time before any module loads, as bin/mwbatch.js and cli/main.ts set them:
    // the same flags on the command line do not keep the young generation small.
    const heap = JSON.stringify(join(ROOT, 'dist', 'worker', 'heap.js'));
    const settings = JSON.stringify({ ...DEFAULT_HEAP_SETTINGS, workflowHeapMb: 0 });
    const start = `const h = require(${heap}); h.keepYoungGenerationSmall(); h.applyHeapSettings(${settings});`;
    const child = spawnSync(process.execPath, ['-e', `${start} require(${JSON.stringify(__filename)});`], {
      encoding: 'utf8',
      env: { ...process.env, [CHILD_ENV]: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`the measuring process failed (${child.status ?? child.signal})`);
    const stages = JSON.parse(child.stdout) as Stage[];
    console.log(`\nThe client's own data at ${rows} rows (no Temporal), Node ${process.version}\n`);
    console.log('| stage | RSS MB | peak RSS MB |\n| --- | --- | --- |');
    for (const s of stages) console.log(`| ${s.stage} | ${s.rssMb.toFixed(0)} | ${s.peakMb.toFixed(0)} |`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
