/**
 * The `mwbatch` command line. Exit codes (design.md 3.9): 0 every row answered, 1 some row did not end
 * COMPLETED, 2 bad input or usage, 3 infrastructure unreachable.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, exitOnError } from '../config/errors';
import { loadTemporalSettings } from '../config/temporal';
import { DEFAULT_TURN_DEADLINE_MS } from '../common/types';
import { runWorker } from '../worker/main';
import { runSimulatorCli } from '../simulator/main';
import { submitFile } from './batch/submit-file';
import { startDevStack } from './dev';
import { connectClient } from './temporal';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return n;
}

/** `150s`, `2m`, `1500ms` or a bare number of seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be a duration such as 150s, 2m or 1500ms');
  const unit = match[2] ?? 's';
  return Math.round(Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

const detachOnCtrlC = () => {
  process.once('SIGINT', () => {
    console.error('\nDetached: the workflows keep running. Run the same command again to resume and collect answers.');
    process.exit(130);
  });
};

function buildProgram(): Command {
  const program = new Command('mwbatch')
    .description('Durable batch questions for the Moveworks Conversations API, on Temporal')
    .showHelpAfterError()
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
      process.exit(2);
    });

  program
    .command('submit')
    .description('validate a CSV of questions, run one workflow per conversation, write results as they finish')
    .argument('<file>', 'CSV with a question column (and optional id, conversation, title)')
    .option('--batch <id>', 'batch ID (default: derived from the file content)')
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .option('--deadline <duration>', 'per-turn deadline', parseDuration, DEFAULT_TURN_DEADLINE_MS)
    .option('--no-wait', 'start the workflows and return; collect later with `mwbatch results`')
    .option('--skip-invalid', 'submit the valid rows and write the rejected ones to rejected.csv')
    .action(async (file: string, opts) => {
      const settings = loadTemporalSettings();
      const client = await connectClient(settings);
      detachOnCtrlC();
      const outcome = await submitFile(client, {
        file,
        batchId: opts.batch,
        outDir: opts.out,
        taskQueue: settings.taskQueue,
        concurrency: opts.concurrency,
        deadlineMs: opts.deadline,
        wait: opts.wait,
        skipInvalid: !!opts.skipInvalid,
      });
      await client.connection.close();
      process.exitCode = outcome.exitCode;
    });

  program
    .command('dev')
    .description('run everything locally: Temporal dev server, simulator, worker, then the bulk job on a CSV')
    .argument('[file]', 'CSV of questions', 'examples/questions.csv')
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--port <port>', 'Temporal gRPC port (a free one if taken)', positiveInt, 7233)
    .option('--db-filename <file>', 'keep Temporal state in this SQLite file')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .option('--keep', 'keep the stack running after the job, for the Web UI (Ctrl-C to stop)')
    .action(async (file: string, opts) => {
      const taskQueue = loadTemporalSettings().taskQueue;
      const stack = await startDevStack({ port: opts.port, dbFilename: opts.dbFilename, taskQueue });
      try {
        const client = await connectClient({
          ...loadTemporalSettings(),
          address: stack.server.address,
          connection: { address: stack.server.address },
        });
        const outcome = await submitFile(client, {
          file,
          outDir: opts.out,
          taskQueue,
          concurrency: opts.concurrency,
          wait: true,
          skipInvalid: false,
          onRow: (row, status, answer) => console.log(`[${status}] ${row.question}\n    → ${answer || '(no answer)'}`),
        });
        console.log(`\nResults: ${outcome.outDir}/results.csv and results.jsonl`);
        console.log(`Temporal Web UI: ${stack.batchUrl(outcome.batchId) ?? '(headless)'}`);
        await client.connection.close();
        process.exitCode = outcome.exitCode;
        if (opts.keep) {
          console.log('Stack running; press Ctrl-C to stop.');
          await new Promise((resolve) => process.once('SIGINT', resolve));
        }
      } finally {
        await stack.stop();
      }
    });

  program
    .command('worker')
    .description('run a worker (configured by MOVEWORKS_* and TEMPORAL_* environment variables)')
    .action(async () => runWorker());

  program
    .command('simulator')
    .description('run the Moveworks API simulator (see `mwbatch simulator --help`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      await runSimulatorCli(args);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    exitOnError(err);
  }
}

export { ConfigError };

if (require.main === module) void main(process.argv);
