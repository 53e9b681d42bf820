/** `mwbatch dev [FILE]`: the whole stack on this machine, then the bulk job (the README's first command). */
import type { Command } from 'commander';
import { safeForTerminal } from '../../common/terminal';
import { loadTemporalSettings } from '../../config/temporal';
import { loadBatchFile, submitFile } from '../../batch/submit-file';
import { startDevStack } from '../../dev/stack';
import { modeOption, positiveInt, withClient } from './common';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: Temporal dev server, simulator, worker, then the bulk job on a CSV')
    .argument('[file]', 'CSV of questions', 'examples/questions.csv')
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--port <port>', 'Temporal gRPC port (a free one if taken)', positiveInt, 7233)
    .option('--db-filename <file>', 'keep Temporal state in this SQLite file')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .addOption(modeOption())
    .option('--keep', 'keep the stack running after the job, for the Web UI (Ctrl-C to stop)')
    .action(async (path: string, opts) => {
      const batch = await loadBatchFile(path, { outDir: opts.out, skipInvalid: false });
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
            console.log(`\nResults: ${batch.outDir}/results.csv and results.jsonl`);
            console.log(`Temporal Web UI: ${stack.batchUrl(batch.batchId) ?? '(headless)'}`);
            return outcome.exitCode;
          },
          { ...base, address, connection: { address } },
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
