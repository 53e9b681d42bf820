/**
 * The `mwbatch` command line. Exit codes (README "Exit codes"): 0 every row answered, 1 some row did not end
 * COMPLETED, 2 bad input or usage, 3 Temporal unreachable, 130 detached with Ctrl-C. `--version`, `help [CMD]`
 * (exit 0), and after a usage error one line saying where the help is rather than the whole help (exit 2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../common/errors';
import { exitOnError } from './exit';
import { applyHeapSettings, DEFAULT_HEAP_SETTINGS } from '../worker/heap';
import { registerAsk } from './commands/ask';
import { registerBatchCommands } from './commands/batch';
import { addTemporalOptions, temporalFlags } from './commands/common';
import { registerDev } from './commands/dev';
import { registerDoctor } from './commands/doctor';
import { registerRateLimit } from './commands/rate-limit';
import { registerEval } from './commands/eval';
import { registerSchedule } from './commands/schedule';
import { registerServe } from './commands/serve';
import { registerSubmit } from './commands/submit';

/** The version in the package.json above this file (dist/cli/ when built). */
function packageVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** After a usage error (a bad flag, a missing argument), the error and where the help is: not the whole help. */
function hintAfterErrors(command: Command, path: string): void {
  command.configureOutput({
    outputError: (message, write) => write(`${message.trimEnd()} (see \`${path} --help\`)\n`),
  });
  for (const sub of command.commands) hintAfterErrors(sub, `${path} ${sub.name()}`);
}

/**
 * Commands that run a long-lived process (worker, simulator, codec server, dev stack, gateway) load it when they
 * run: the SDK's worker alone (native bridge, webpack) adds ~30 MB to every other command's memory.
 */
function buildProgram(): Command {
  const program = new Command('mwbatch')
    .description('Durable batch questions for the Moveworks Conversations API, on Temporal')
    .version(packageVersion(), '-V, --version', 'print the version')
    // Help asked for (`--help`, `help [CMD]`, `--version`) exits 0; usage errors and a bare `mwbatch` exit 2.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

  addTemporalOptions(program);
  registerSubmit(program);
  registerEval(program);
  registerSchedule(program);
  registerBatchCommands(program);
  registerRateLimit(program);
  registerAsk(program);
  registerServe(program);
  registerDev(program);
  registerDoctor(program);

  program
    .command('worker')
    .description('run a worker (configured by MOVEWORKS_* and TEMPORAL_* environment variables; see README)')
    .action(async () => (await import('../worker/main.js')).runWorker(process.env, temporalFlags()));

  program
    .command('simulator')
    .description('run the Moveworks API simulator (`mwbatch simulator --help` for its options)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runSimulatorCli } = await import('../simulator/main.js');
      await runSimulatorCli(args).catch((err: unknown) => {
        if (err instanceof CommanderError) throw err; // help shown (exit 0) or a usage error already printed
        throw new ConfigError(`simulator: ${err instanceof Error ? err.message : String(err)}`);
      });
    });

  program
    .command('codec-server')
    .description('serve the payload codec to the Temporal Web UI / CLI (`mwbatch codec-server --help`)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      await (await import('../codec/main.js')).runCodecServerCli(args);
    });

  hintAfterErrors(program, 'mwbatch');
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // The client of a 100,000-row batch keeps its rows, results index and in-flight calls: a full collection once the
  // heap grows 30 % past its live size, not V8's default of up to 4× (worker/heap.ts explains the flag).
  applyHeapSettings({ heapGrowingPercent: DEFAULT_HEAP_SETTINGS.heapGrowingPercent, workflowHeapMb: 0 });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    exitOnError(err);
  }
}

if (require.main === module) void main(process.argv);
