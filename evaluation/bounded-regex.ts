/**
 * A user's `expect_regex` run with a time limit. JavaScript has no regex timeout, and a pattern that backtracks
 * catastrophically (`(x+x+)+y` against a long run of x) would block the worker's event loop for minutes: its
 * heartbeats, its other activities, everything. Run inside a `vm` context with a timeout, V8 interrupts the match.
 */
import { runInNewContext } from 'node:vm';

/** How long one answer may take to match one pattern. */
export const REGEX_TIME_LIMIT_MS = 1_000;

/** Whether the pattern matches, or undefined when matching took longer than the limit. */
export function boundedTest(pattern: RegExp, text: string, limitMs = REGEX_TIME_LIMIT_MS): boolean | undefined {
  try {
    return runInNewContext('pattern.test(text)', { pattern, text }, { timeout: limitMs }) as boolean;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return undefined;
    throw err;
  }
}
