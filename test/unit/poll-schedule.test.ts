import { describe, expect, it } from 'vitest';
import { DEFAULT_INLINE_POLL_MS, DEFAULT_POLL_SCHEDULE, pollDelay } from '../../common/types';
import { pollScheduleFor } from '../../batch/rate-limit';

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
