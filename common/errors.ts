/**
 * The errors a command ends with, each carrying its exit code (2 bad input or configuration, 3 infrastructure
 * unreachable): thrown by the batch library and the configuration, turned into an exit by cli/exit.ts.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Bad input, configuration or usage. */
  readonly exitCode = 2;
}

/**
 * A conversation this batch already holds under the same workflow ID was started with other questions or another
 * title (batch/start.ts compares their input hashes): attaching would return answers to the old questions.
 */
export class InputMismatchError extends ConfigError {
  override name = 'InputMismatchError';
}

/** What a failed Moveworks API check names (activities/api-check.ts): never a secret. */
export interface ApiProblem {
  problem: string;
  message: string;
  /** The environment variable(s) to fix, when one is to blame. */
  variable?: string;
}

/** The Moveworks API cannot work with the worker's configuration: a 401, a 403, or a host nobody answers on. */
export class ApiCheckError extends ConfigError {
  override name = 'ApiCheckError';
  /** `advice`: what to do after fixing the variable, e.g. "in the workers' environment and restart them". */
  constructor(problem: ApiProblem, advice: string) {
    super(
      `Moveworks API check failed (${problem.problem}): ${problem.message}\n` +
        `Fix ${problem.variable ?? 'the MOVEWORKS_* settings'} ${advice}`,
    );
  }
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

/** Temporal went away while an evaluation run was followed; the run goes on server-side and the command resumes it. */
export class IncompleteRunError extends Error {
  override name = 'IncompleteRunError';
  readonly exitCode = 3;
  constructor(cause: string, resumeCommand: string) {
    super(`Lost Temporal while following the run (${cause}). Nothing was lost: resume with \`${resumeCommand}\`.`);
  }
}
