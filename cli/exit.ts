/**
 * How every entry point (the CLI, `mwbatch worker`) ends on an error: an error that carries an exit code (bad input
 * or configuration 2, Temporal unreachable 3; common/errors.ts) is printed as one message; anything else is
 * unexpected, printed with its stack, exit 1.
 */
import { ConfigError, IncompleteBatchError, UnreachableTemporalError } from '../common/errors';

export function exitOnError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof UnreachableTemporalError || err instanceof IncompleteBatchError) {
    console.error(err.message);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
}
