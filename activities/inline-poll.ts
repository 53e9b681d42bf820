/**
 * Poll mode's first polls, inside the activity that submitted the turn. Temporal's advice for frequent polls is one
 * heartbeating activity rather than a timer and an activity per poll: for an answer that comes within seconds this
 * saves about ten round trips to the server and twenty history events per question. Later polls, and any poll
 * after a failed one, run from the workflow on durable timers, where retries and 429s are handled.
 */
import { log, sleep } from '@temporalio/activity';
import { isTerminalStatus, RateLimitError, type MoveworksClient } from '../moveworks';
import { rateLimitDelayMs } from './failures';
import { pollDelay, type PollSchedule } from '../common/types';
import type { FetchResponseOutput } from '../common/activity-types';
import { terminalOutput } from './support';

export interface InlinePolls {
  polls: number;
  /** Set when a poll saw the response end. */
  answered?: FetchResponseOutput;
  /** After a 429: how long the workflow must wait before its first poll (Retry-After, or a backoff). */
  retryAfterMs?: number;
  /** The status the last poll saw, when it was not terminal. */
  lastStatus?: string;
}

/** Polls `responseId` on `schedule` while the next poll is due within `schedule.inlineMs` of now. */
export async function pollInline(
  moveworks: MoveworksClient,
  ids: { conversationId: string; responseId: string },
  schedule: PollSchedule,
  signal: AbortSignal,
  attempt: number,
): Promise<InlinePolls> {
  const windowEnd = Date.now() + (schedule.inlineMs ?? 0);
  let polls = 0;
  let lastStatus: string | undefined;
  for (;;) {
    const delay = pollDelay(schedule, polls);
    if (Date.now() + delay > windowEnd) return { polls, lastStatus };
    await sleep(delay); // throws when the activity is cancelled
    polls += 1;
    try {
      const response = await moveworks.getResponse(ids.conversationId, ids.responseId, { signal });
      if (isTerminalStatus(response.status)) return { polls, answered: terminalOutput(response, attempt) };
      lastStatus = response.status;
    } catch (err) {
      if (signal.aborted) throw err;
      log.warn('inline poll failed; the workflow polls on durable timers from here', {
        responseId: ids.responseId,
        error: (err as Error).message,
      });
      const retryAfterMs = err instanceof RateLimitError ? rateLimitDelayMs(err, 1) : undefined;
      return { polls, lastStatus, ...(retryAfterMs !== undefined && { retryAfterMs }) };
    }
  }
}
