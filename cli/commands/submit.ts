/** `mwbatch submit FILE` */
import type { Command } from 'commander';
import { DEFAULT_TURN_DEADLINE_MS } from '../../common/types';
import { checkBatchId } from '../../batch/batch-id';
import { batchPollSchedule, setApiRateLimit } from '../../batch/rate-limit';
import { loadBatchFile, submitFile } from '../../batch/submit-file';
import {
  deadlineOption,
  detachOnCtrlC,
  modeOption,
  parseDuration,
  positiveInt,
  positiveNumber,
  withClient,
} from './common';

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('validate a CSV of questions, run one workflow per conversation, write results as they finish')
    .argument('<file>', 'CSV with a question column (and optional id, conversation, title)')
    .option('--batch <id>', 'batch ID (default: derived from the file content)', checkBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .option('--rps <r>', 'global API budget in requests per second, shared by every worker', positiveNumber)
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .option(
      '--inline-polls <duration>',
      'poll mode: polls due this soon after submitting run in the submitting activity, later ones on durable timers (0: all on timers; ignored under --rps)',
      parseDuration,
    )
    .option('--no-wait', 'start the workflows and return; collect later with `mwbatch results`')
    .option('--skip-invalid', 'submit the valid rows and write the rejected ones to rejected.csv')
    .action(async (path: string, opts) => {
      const batch = await loadBatchFile(path, {
        batchId: opts.batch,
        outDir: opts.out,
        skipInvalid: !!opts.skipInvalid,
      });
      process.exitCode = await withClient(async (client, settings) => {
        if (opts.rps) await setApiRateLimit(client, settings.taskQueue, opts.rps);
        const poll = await batchPollSchedule(client, settings.taskQueue, { rps: opts.rps, inlineMs: opts.inlinePolls });
        detachOnCtrlC();
        const outcome = await submitFile(client, batch, {
          taskQueue: settings.taskQueue,
          concurrency: opts.concurrency,
          deadlineMs: opts.deadline,
          poll,
          mode: opts.mode,
          wait: opts.wait,
        });
        return outcome.exitCode;
      });
    });
}
