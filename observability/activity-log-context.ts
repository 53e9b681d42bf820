/**
 * The row a question's activity works for, on every log line the activity writes: the SDK attaches the workflow id
 * and run id to activity lines itself, and this interceptor adds the `rowId` the workflow put in the activity's
 * input (a submission, a poll, or the first turn of an opening activity). So the API lines of a batch
 * (observability/exchange-log.ts) can be traced back to the row of the question file they were about.
 */
import type { ActivityInterceptors, ActivityInterceptorsFactory } from '@temporalio/worker';

/** The row id an activity's first argument names, if it names one. */
export function rowIdOfActivityInput(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const { rowId, firstTurn } = input as { rowId?: unknown; firstTurn?: { rowId?: unknown } };
  if (typeof rowId === 'string') return rowId;
  return typeof firstTurn?.rowId === 'string' ? firstTurn.rowId : undefined;
}

/** Adds `rowId` to the log attributes of every activity whose input names a row. */
export const rowLogContext: ActivityInterceptorsFactory = (): ActivityInterceptors => {
  let rowId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        rowId = rowIdOfActivityInput(input.args[0]);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attributes, next) {
        return next(rowId === undefined ? attributes : { ...attributes, rowId });
      },
    },
  };
};
