/** `mwbatch status | results | cancel | retry-failed | list`: a batch after it was submitted. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../common/errors';
import { safeForTerminal } from '../../common/terminal';
import { checkBatchId } from '../../batch/batch-id';
import { collectBatchResults } from '../../batch/collect';
import { batchStatusCounts, cancelBatch, recentBatches } from '../../batch/inspect';
import { statusCounts, summaryTable } from '../../batch/progress';
import { batchPollSchedule } from '../../batch/rate-limit';
import { retryFailedRows } from '../../batch/retry';
import { exitCodeFor } from '../../batch/submit-file';
import { JOURNAL_FILE, readInputColumns, ResultsWriter } from '../../batch/results';
import { detachOnCtrlC, positiveInt, withClient } from './common';

const DEFAULT_COLUMNS = ['id', 'question', 'conversation', 'title'];

export function registerBatchCommands(program: Command): void {
  program
    .command('status')
    .description('workflows of a batch per status')
    .argument('<batch>', 'batch ID', checkBatchId)
    .action(async (batchId: string) => {
      await withClient(async (client) => {
        const counts = await batchStatusCounts(client, batchId);
        if (counts.size === 0) throw new ConfigError(`no workflows found for batch ${batchId}`);
        console.log(`batch ${batchId}: conversations per workflow status`);
        for (const [status, n] of counts) console.log(`  ${status.padEnd(12)} ${n}`);
      });
    });

  program
    .command('results')
    .description('collect the answers of a batch from Temporal into results.csv / results.jsonl')
    .argument('<batch>', 'batch ID', checkBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .action(async (batchId: string, opts) => {
      const outDir: string = opts.out ?? join('results', batchId);
      process.exitCode = await withClient(async (client) => {
        const results = await ResultsWriter.open(outDir, (await readInputColumns(outDir)) ?? DEFAULT_COLUMNS);
        try {
          const summary = await collectBatchResults(client, batchId, results);
          await results.finalize();
          console.error(
            `${summary.collected} rows collected into ${outDir}; ${summary.running} conversations still running`,
          );
          console.error(safeForTerminal(summaryTable(summary.byStatus, 0), { keepNewlines: true }));
          return summary.running > 0 ? 1 : exitCodeFor(summary.byStatus);
        } finally {
          await results.close();
        }
      });
    });

  program
    .command('cancel')
    .description('cancel every running workflow of a batch (finished answers are kept)')
    .argument('<batch>', 'batch ID', checkBatchId)
    .action(async (batchId: string) => {
      await withClient(async (client) => {
        const cancelled = await cancelBatch(client, batchId);
        console.log(`cancellation requested for ${cancelled} running conversations of batch ${batchId}`);
      });
    });

  program
    .command('retry-failed')
    .description('re-ask only the rows of a batch whose result is not COMPLETED')
    .argument('<batch>', 'batch ID', checkBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .action(async (batchId: string, opts) => {
      const outDir: string = opts.out ?? join('results', batchId);
      if (!existsSync(join(outDir, JOURNAL_FILE))) {
        throw new ConfigError(`no results for batch ${batchId} in ${outDir}; run \`mwbatch results ${batchId}\` first`);
      }
      process.exitCode = await withClient(async (client, settings) => {
        const results = await ResultsWriter.open(outDir, (await readInputColumns(outDir)) ?? DEFAULT_COLUMNS);
        try {
          detachOnCtrlC();
          const poll = await batchPollSchedule(client, settings.taskQueue);
          const { conversations } = await retryFailedRows(client, results, {
            batchId,
            taskQueue: settings.taskQueue,
            concurrency: opts.concurrency,
            poll,
            wait: true,
          });
          await results.finalize();
          const counts = statusCounts(results.statuses());
          console.error(`retried the failed rows of ${conversations} conversations; the batch now stands at:`);
          console.error(safeForTerminal(summaryTable(counts, 0), { keepNewlines: true }));
          return exitCodeFor(counts);
        } finally {
          await results.close();
        }
      });
    });

  program
    .command('list')
    .description('recent batches')
    .action(async () => {
      await withClient(async (client) => {
        const batches = await recentBatches(client);
        console.log('batch                                  conversations  running  started');
        for (const b of batches) {
          console.log(
            `${safeForTerminal(b.batchId).padEnd(38)} ${String(b.workflows).padStart(13)}  ${String(b.running).padStart(7)}  ${b.firstStart.toISOString()}`,
          );
        }
      });
    });
}
