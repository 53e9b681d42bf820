/** `mwbatch doctor`: check Temporal, the namespace, the search attribute, the workers and the API, one line each. */
import type { Command } from 'commander';
import { safeForTerminal } from '../../common/terminal';
import { runDoctor } from '../doctor';
import { temporalSettings } from './common';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check that a batch can run here: Temporal, namespace, BatchId search attribute, workers, Moveworks API',
    )
    .action(async () => {
      process.exitCode = await runDoctor(temporalSettings(), (line) =>
        console.log(safeForTerminal(line, { keepNewlines: true })),
      );
    });
}
