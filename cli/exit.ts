/**
 * How every entry point (the CLI, `mwbatch worker`) ends on an error: an error that carries an exit code (bad input
 * or configuration 2, Temporal unreachable 3; common/errors.ts) is printed as one message; a command-line parser's
 * own ending (`mwbatch simulator --help`, or a usage error it already printed) exits 0 or 2 without a word more;
 * anything else is unexpected, printed with its stack, exit 1.
 */
import { inspect } from 'node:util';
import { CommanderError } from 'commander';
import { ConfigError, IncompleteBatchError, IncompleteRunError, UnreachableTemporalError } from '../common/errors';
import { safeForTerminal } from '../common/terminal';

export function exitOnError(err: unknown): never {
  if (
    err instanceof ConfigError ||
    err instanceof UnreachableTemporalError ||
    err instanceof IncompleteBatchError ||
    err instanceof IncompleteRunError
  ) {
    console.error(safeForTerminal(err.message, { keepNewlines: true }));
    process.exit(err.exitCode);
  }
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  console.error(safeForTerminal(inspect(err), { keepNewlines: true }));
  process.exit(1);
}
