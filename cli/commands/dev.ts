/**
 * `mwbatch dev [FILE]`: the whole stack on this machine, then the bulk job (the README's first command). Each run is
 * a new batch, `demo-<time>`, so that the demo asks its questions every time: its dev server starts empty, and a
 * batch whose answers an earlier run left in results/ would be printed from there with nothing in the Web UI.
 */
import type { Command } from 'commander';
import { safeForTerminal } from '../../common/terminal';
import { loadTemporalSettings } from '../../config/temporal';
import { checkSubmitBatchId } from '../../batch/batch-id';
import { loadBatchFile, submitFile } from '../../batch/submit-file';
import { startDevStack } from '../../dev/stack';
import { modeOption, positiveInt, withClient } from './common';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: Temporal dev server, simulator, worker, then the bulk job on a CSV')
    .argument('[file]', 'CSV of questions', 'examples/questions.csv')
    .option('--batch <id>', 'batch ID (default: a new one each run, demo-<time>)', checkSubmitBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--port <port>', 'Temporal gRPC port (a free one if taken)', positiveInt, 7233)
    .option('--db-filename <file>', 'keep Temporal state in this SQLite file')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .addOption(modeOption())
    .option('--keep', 'keep the stack running after the job, for the Web UI (Ctrl-C to stop)')
    .action(async (path: string, opts) => {
      const batchId: string = opts.batch ?? demoBatchId(new Date());
      const batch = await loadBatchFile(path, { batchId, outDir: opts.out, skipInvalid: false });
      const base = loadTemporalSettings();
      const stack = await startDevStack({ port: opts.port, dbFilename: opts.dbFilename, taskQueue: base.taskQueue });
      try {
        const address = stack.server.address;
        process.exitCode = await withClient(
          async (client) => {
            const outcome = await submitFile(client, batch, {
              taskQueue: base.taskQueue,
              concurrency: opts.concurrency,
              mode: opts.mode,
              wait: true,
              apiCheck: false, // its own worker, on its own simulator
              onRow: (row, status, answer) =>
                console.log(
                  `[${status}] ${safeForTerminal(row.question)}\n    → ${safeForTerminal(answer) || '(no answer)'}`,
                ),
            });
            const { skipped } = outcome.summary;
            if (skipped > 0) {
              console.log(
                `\n${skipped} row(s) not asked again: their answers come from an earlier run, read from ${batch.outDir}`,
              );
            }
            console.log(`\nResults: ${batch.outDir}/results.csv and results.jsonl`);
            console.log(`Temporal Web UI: ${stack.batchUrl(batch.batchId) ?? '(headless)'}`);
            return outcome.exitCode;
          },
          // The stack's own server: not the address, namespace, TLS or API key of a TEMPORAL_PROFILE profile.
          { ...base, address, namespace: stack.server.namespace, connection: { address } },
        );
        if (opts.keep) {
          console.log('Stack running; press Ctrl-C to stop.');
          await new Promise((resolve) => process.once('SIGINT', resolve));
        }
      } finally {
        await stack.stop();
      }
    });
}

/** `demo-20261127-093015`: a new batch for each run of the demo, in UTC. */
export function demoBatchId(now: Date): string {
  return `demo-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}
