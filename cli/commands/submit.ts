/**
 * `mwbatch submit FILE`. On stdout, for scripts: `batch <id> results <dir>` as soon as the file is valid, or with
 * `--json` one JSON document when the command ends (README "Scripting the CLI"); progress and the summary table go
 * to stderr.
 */
import type { Command } from 'commander';
import { DEFAULT_TURN_DEADLINE_MS } from '../../common/types';
import { checkSubmitBatchId } from '../../batch/batch-id';
import { applyRpsOption, batchPollSchedule } from '../../batch/rate-limit';
import { loadBatchFile, submitFile, type BatchFile, type SubmitFileOutcome } from '../../batch/submit-file';
import { countsObject, printJson, printText } from '../output';
import {
  deadlineOption,
  detachOnCtrlC,
  modeOption,
  perWorkflowOption,
  atOnceOption,
  parseDuration,
  positiveInt,
  withClient,
} from './common';
import { rpsValue } from './rate-limit';

/** `submit --json`: what a script needs to know about the run. */
function outcomeJson({ batchId, outDir, rowIds }: BatchFile, outcome: SubmitFileOutcome, waited: boolean) {
  const { summary } = outcome;
  return {
    batch: batchId,
    results: outDir,
    rows: rowIds.length,
    conversations: outcome.conversations,
    per_workflow: outcome.perWorkflow,
    started: summary.started,
    attached: summary.attached,
    skipped: summary.skipped,
    uncollected: summary.uncollected,
    waited,
    statuses: countsObject(summary.byStatus),
    seconds: Math.round(outcome.seconds * 10) / 10,
    exit_code: outcome.exitCode,
  };
}

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('validate a CSV of questions, run one workflow per conversation, write results as they finish')
    .argument('<file>', 'CSV with a question column (and optional id, conversation, title)')
    .option('--batch <id>', 'batch ID (default: derived from the file content)', checkSubmitBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .option(
      '--rps <r>',
      'global API budget in requests per second, shared by every worker; `none` removes it (it stays set otherwise)',
      rpsValue,
    )
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .addOption(perWorkflowOption())
    .addOption(atOnceOption())
    .option(
      '--inline-polls <duration>',
      'poll mode: polls due this soon after submitting run in the submitting activity, later ones on durable timers (0: all on timers; ignored under --rps)',
      parseDuration,
    )
    .option('--no-wait', 'start the workflows and return; collect later with `mwbatch results`')
    .option('--skip-invalid', 'submit the valid rows and write the rejected ones to rejected.csv')
    .option('--json', 'print one JSON document on stdout when done, instead of the `batch <id> results <dir>` line')
    .action(async (path: string, opts) => {
      const batch = await loadBatchFile(path, {
        batchId: opts.batch,
        outDir: opts.out,
        skipInvalid: !!opts.skipInvalid,
      });
      if (!opts.json) printText(`batch ${batch.batchId} results ${batch.outDir}`);
      process.exitCode = await withClient(async (client, settings) => {
        await applyRpsOption(client, settings.taskQueue, opts.rps);
        const poll = await batchPollSchedule(client, settings.taskQueue, {
          rps: typeof opts.rps === 'number' ? opts.rps : undefined,
          inlineMs: opts.inlinePolls,
        });
        detachOnCtrlC();
        const outcome = await submitFile(client, batch, {
          taskQueue: settings.taskQueue,
          concurrency: opts.concurrency,
          perWorkflow: opts.perWorkflow,
          atOnce: opts.atOnce,
          deadlineMs: opts.deadline,
          poll,
          mode: opts.mode,
          wait: opts.wait,
        });
        if (opts.json) printJson(outcomeJson(batch, outcome, opts.wait));
        return outcome.exitCode;
      });
    });
}
