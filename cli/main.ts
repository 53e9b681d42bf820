/**
 * The `mwbatch` command line. Exit codes (README "Exit codes"): 0 every row answered, 1 some row did not end
 * COMPLETED, 2 bad input or usage, 3 Temporal unreachable, 130 detached with Ctrl-C.
 */
import { Command } from 'commander';
import { exitOnError } from './exit';
import { runCodecServerCli } from '../codec/main';
import { runSimulatorCli } from '../simulator/main';
import { runWorker } from '../worker/main';
import { registerAsk } from './commands/ask';
import { registerBatchCommands } from './commands/batch';
import { registerDev } from './commands/dev';
import { registerDoctor } from './commands/doctor';
import { registerEval } from './commands/eval';
import { registerSchedule } from './commands/schedule';
import { registerSubmit } from './commands/submit';

function buildProgram(): Command {
  const program = new Command('mwbatch')
    .description('Durable batch questions for the Moveworks Conversations API, on Temporal')
    .showHelpAfterError()
    .exitOverride((err) => {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
    });

  registerSubmit(program);
  registerEval(program);
  registerSchedule(program);
  registerBatchCommands(program);
  registerAsk(program);
  registerDev(program);
  registerDoctor(program);

  program
    .command('worker')
    .description('run a worker (configured by MOVEWORKS_* and TEMPORAL_* environment variables; see README)')
    .action(async () => runWorker());

  program
    .command('simulator')
    .description('run the Moveworks API simulator (`mwbatch simulator --help` for its options)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      await runSimulatorCli(args);
    });

  program
    .command('codec-server')
    .description('serve the payload codec to the Temporal Web UI / CLI (`mwbatch codec-server --help`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      await runCodecServerCli(args);
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

if (require.main === module) void main(process.argv);
