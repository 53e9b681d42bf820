/**
 * One log line per Moveworks API response (DEBUG for a 2xx, INFO otherwise), with the root uuid the API gave it:
 * inside an activity it goes through the activity's context logger, so it also carries the workflow id, run id and
 * batch id of the question it was about.
 */
import { Context } from '@temporalio/activity';
import type { Exchange } from '../moveworks/transport';
import type { Logger } from './logger';

function contextLogger(fallback: Logger): Logger {
  try {
    return Context.current().log;
  } catch {
    return fallback; // outside an activity: the worker's start-up API check
  }
}

export function logExchange(logger: Logger, { method, path, status, retryAfterMs, rootUuid }: Exchange): void {
  const fields = { method, path, status, ...(retryAfterMs !== undefined && { retryAfterMs }), rootUuid };
  const line = `Moveworks API ${method} ${path} answered ${status}`;
  if (status >= 200 && status < 300) contextLogger(logger).debug(line, fields);
  else contextLogger(logger).info(line, fields);
}
