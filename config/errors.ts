/** Errors that end a command with a distinct exit code (design.md 3.9), printed without a stack trace. */

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Bad input, configuration or usage. */
  readonly exitCode = 2;
}

export class UnreachableTemporalError extends Error {
  override name = 'UnreachableTemporalError';
  readonly exitCode = 3;
  constructor(address: string, cause: unknown) {
    super(`Cannot reach Temporal at ${address}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Some rows could not be started or collected because Temporal went away; their workflows are not lost. */
export class IncompleteBatchError extends Error {
  override name = 'IncompleteBatchError';
  readonly exitCode = 3;
  constructor(rows: number, cause: string) {
    super(
      `${rows} row(s) not collected: Temporal was unreachable (${cause}). ` +
        'Nothing was lost: run the same command again to resume.',
    );
  }
}

/** Exit codes: 2 bad input or configuration, 3 infrastructure unreachable, 1 anything unexpected. */
export function exitOnError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof UnreachableTemporalError || err instanceof IncompleteBatchError) {
    console.error(err.message);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
}
