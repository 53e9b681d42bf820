import { describe, expect, it } from 'vitest';
import { DEFAULT_INLINE_POLL_MS, DEFAULT_POLL_SCHEDULE, pollDelay } from '../../common/types';
import { pollScheduleFor } from '../../batch/rate-limit';
import { AnswerTimes } from '../../common/answer-times';
import type { ConversationResult } from '../../common/types';

describe('poll schedule', () => {
  it('waits 1 s, then 1.5 times longer each poll, never more than 5 s', () => {
    const delays = Array.from({ length: 7 }, (_, n) => pollDelay(DEFAULT_POLL_SCHEDULE, n));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000]);
  });

  it('puts every poll on a durable timer under a rate limit, whatever --inline-polls says', () => {
    expect(pollScheduleFor(20, 5000)?.inlineMs).toBe(0);
    expect(pollScheduleFor(undefined, 0)?.inlineMs).toBe(0);
    expect(pollScheduleFor(undefined, 8000)?.inlineMs).toBe(8000);
    expect(pollScheduleFor(undefined)?.inlineMs).toBe(DEFAULT_INLINE_POLL_MS); // resolved by the client, not the workflow
  });
});

describe("first poll timed from the batch's answers", () => {
  it('waits firstPollMs before the first poll, then follows the schedule from its start', () => {
    const delays = Array.from({ length: 4 }, (_, n) => pollDelay({ ...DEFAULT_POLL_SCHEDULE, firstPollMs: 2000 }, n));
    expect(delays).toEqual([2000, 1000, 1500, 2250]);
  });

  it('has no estimate before ten answers, then the 10th percentile of the recent ones', () => {
    const times = new AnswerTimes();
    const finished = (answerMs: number[]): ConversationResult => ({
      batchId: 'b',
      conversationKey: 'c',
      turns: answerMs.map((ms, i) => ({
        rowId: `r${i}`,
        status: 'COMPLETED',
        answer: 'a',
        citations: [],
        latencyMs: ms + 400,
        attempts: 3,
        answerMs: ms,
      })),
    });
    times.add(finished([2000, 2100, 2200, 2300, 2400, 2500, 2600, 2700, 2800]));
    expect(times.firstPollMs()).toBeUndefined();
    times.add(finished([1900]));
    expect(times.firstPollMs()).toBe(1900);
    // A failed turn, or one without the API's timestamps, says nothing about answer times.
    times.add({ ...finished([10]), turns: [{ ...finished([10]).turns[0]!, status: 'FAILED' }] });
    times.add({ ...finished([10]), turns: [{ ...finished([10]).turns[0]!, answerMs: undefined }] });
    expect(times.firstPollMs()).toBe(1900);
    // Only the last 200 answers count: an assistant that slowed down is followed.
    for (let i = 0; i < 20; i++) times.add(finished(Array.from({ length: 10 }, () => 6000)));
    expect(times.firstPollMs()).toBe(6000);
  });
});
