/**
 * `mwbatch status | results | cancel | retry-failed | list`: a batch after it was submitted. Workflow counts come
 * from Temporal's count API (no listing, no cap); answer counts from a results folder, the only place the answers
 * are without reading every workflow's result (README "Scripting the CLI").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError } from '../../common/errors';
import { DEFAULT_TURN_DEADLINE_MS } from '../../common/types';
import { checkBatchId } from '../../batch/batch-id';
import { collectBatchResults } from '../../batch/collect';
import { answerStatusCounts, batchStatusCounts, cancelBatch, recentBatches } from '../../batch/inspect';
import { statusCounts, summaryTable } from '../../batch/progress';
import { batchPollSchedule } from '../../batch/rate-limit';
import { retryFailedRows } from '../../batch/retry';
import { exitCodeFor } from '../../batch/submit-file';
import { JOURNAL_FILE, readInputColumns, ResultsWriter } from '../../batch/results';
import { countLines, countsInline, countsObject, logText, printJson, printTable, printText } from '../output';
import { deadlineOption, detachOnCtrlC, modeOption, positiveInt, withClient } from './common';

const DEFAULT_COLUMNS = ['id', 'question', 'conversation', 'title'];
/** `list` finds each batch with one visibility query that excludes the batches found before it. */
const MAX_LIST_LIMIT = 200;

const resultsDir = (batchId: string, out: string | undefined) => out ?? join('results', batchId);
const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0);

/** A batch's answers as `--json` shows them: counted in its results folder, or null when it has none. */
function answersJson(dir: string, counts: Map<string, number> | undefined) {
  return counts ? { results: dir, rows: total(counts), statuses: countsObject(counts) } : null;
}

function listLimit(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_LIST_LIMIT) throw new InvalidArgumentError(`at most ${MAX_LIST_LIMIT}`);
  return n;
}

export function registerBatchCommands(program: Command): void {
  program
    .command('status')
    .description("a batch's workflows per status (Temporal), and its answers per status (its results folder)")
    .argument('<batch>', 'batch ID', checkBatchId)
    .option('--out <dir>', 'results folder whose answers to count (default: results/<batch>)')
    .option('--json', 'one JSON document on stdout')
    .action(async (batchId: string, opts: { out?: string; json?: boolean }) => {
      await withClient(async (client) => {
        const workflows = await batchStatusCounts(client, batchId);
        if (workflows.size === 0) throw new ConfigError(`no workflows found for batch ${batchId}`);
        const dir = resultsDir(batchId, opts.out);
        const answers = await answerStatusCounts(dir);
        if (opts.json) {
          printJson({
            batch: batchId,
            workflows: total(workflows),
            workflow_statuses: countsObject(workflows),
            answers: answersJson(dir, answers),
          });
          return;
        }
        printText(`batch ${batchId}: ${total(workflows)} workflows, per workflow status (from Temporal)`);
        printText(countLines(workflows).join('\n'));
        if (answers) {
          printText(`answers in ${dir}: ${total(answers)} rows, per answer status (the last result of each row)`);
          printText(countLines(answers).join('\n'));
        } else {
          printText(`answers: no results in ${dir}; \`mwbatch results ${batchId}\` collects them there`);
        }
      });
    });

  program
    .command('results')
    .description('collect the answers of a batch from Temporal into results.csv / results.jsonl')
    .argument('<batch>', 'batch ID', checkBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--json', 'one JSON document on stdout')
    .action(async (batchId: string, opts: { out?: string; json?: boolean }) => {
      const outDir = resultsDir(batchId, opts.out);
      process.exitCode = await withClient(async (client) => {
        const results = await ResultsWriter.open(outDir, (await readInputColumns(outDir)) ?? DEFAULT_COLUMNS);
        try {
          const summary = await collectBatchResults(client, batchId, results);
          await results.finalize();
          const exitCode = summary.running > 0 ? 1 : exitCodeFor(summary.byStatus);
          logText(`${summary.collected} rows collected into ${outDir}; ${summary.running} workflows still running`);
          logText(summaryTable(summary.byStatus, 0));
          if (opts.json) {
            printJson({
              batch: batchId,
              results: outDir,
              collected: summary.collected,
              running: summary.running,
              rows: total(summary.byStatus),
              statuses: countsObject(summary.byStatus),
              exit_code: exitCode,
            });
          }
          return exitCode;
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
        printText(`cancellation requested for ${cancelled} running workflows of batch ${batchId}`);
      });
    });

  program
    .command('retry-failed')
    .description(
      'ask again only the rows of a batch whose result is not COMPLETED, with the deadline and mode they were asked with unless given',
    )
    .argument('<batch>', 'batch ID', checkBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS).default(undefined, 'as the batch was asked'))
    .addOption(modeOption().default(undefined, 'as the batch was asked'))
    .action(async (batchId: string, opts) => {
      const outDir = resultsDir(batchId, opts.out);
      if (!existsSync(join(outDir, JOURNAL_FILE))) {
        throw new ConfigError(`no results for batch ${batchId} in ${outDir}; run \`mwbatch results ${batchId}\` first`);
      }
      process.exitCode = await withClient(async (client, settings) => {
        const results = await ResultsWriter.open(outDir, (await readInputColumns(outDir)) ?? DEFAULT_COLUMNS);
        try {
          detachOnCtrlC();
          const poll = await batchPollSchedule(client, settings.taskQueue);
          await retryFailedRows(client, results, {
            batchId,
            taskQueue: settings.taskQueue,
            concurrency: opts.concurrency,
            deadlineMs: opts.deadline,
            mode: opts.mode,
            poll,
            wait: true,
            log: logText,
          });
          await results.finalize();
          const counts = statusCounts(results.statuses());
          logText(`the batch now stands at:\n${summaryTable(counts, 0)}`);
          return exitCodeFor(counts);
        } finally {
          await results.close();
        }
      });
    });

  program
    .command('list')
    .description('recent batches: workflows per status (Temporal) and answers per status (results/<batch>, if here)')
    .addOption(
      new Option('--limit <n>', `how many batches (at most ${MAX_LIST_LIMIT})`).argParser(listLimit).default(20),
    )
    .option('--json', 'one JSON array on stdout')
    .action(async (opts: { limit: number; json?: boolean }) => {
      await withClient(async (client) => {
        const batches = await recentBatches(client, opts.limit);
        const rows = await Promise.all(
          batches.map(async (b) => {
            const dir = resultsDir(b.batchId, undefined);
            return { ...b, dir, answers: await answerStatusCounts(dir) };
          }),
        );
        if (opts.json) {
          printJson(
            rows.map((b) => ({
              batch: b.batchId,
              workflows: total(b.workflows),
              workflow_statuses: countsObject(b.workflows),
              last_activity: b.lastActivity.toISOString(),
              answers: answersJson(b.dir, b.answers),
            })),
          );
          return;
        }
        if (rows.length === 0) return logText('no batches yet');
        printTable(
          ['batch', 'workflows', 'per workflow status', 'answers (results/<batch>)', 'last activity (UTC)'],
          rows.map((b) => [
            b.batchId,
            String(total(b.workflows)),
            countsInline(b.workflows),
            b.answers ? countsInline(b.answers) : '-',
            b.lastActivity.toISOString().replace('T', ' ').slice(0, 19),
          ]),
          [1],
        );
      });
    });
}
