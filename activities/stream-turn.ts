/**
 * Streaming mode: submit a turn through the SSE endpoint inside one heartbeating activity. The response id is
 * recorded in the heartbeat as soon as the stream announces it, so if the stream breaks or the worker dies, the
 * turn continues by polling that same response: it is never submitted twice.
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import type { MoveworksClient } from '../moveworks';
import type { SubmitTurnInput, SubmitTurnOutput } from '../common/activity-types';
import type { RejectedAttempts } from './reconcile';
import { postAndStream, resumedSubmission, type SubmissionCheckpoint } from './submission';
import { activityKey, keepHeartbeating, settlingWindow, withFailureMapping } from './support';

export function createStreamActivities({ moveworks }: { moveworks: MoveworksClient }, rejected: RejectedAttempts) {
  return {
    async streamTurn(input: SubmitTurnInput): Promise<SubmitTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const info = activityInfo();
        const key = activityKey();
        // A previous attempt got as far as a response id: never submit again, poll it.
        const previous = info.heartbeatDetails as SubmissionCheckpoint | undefined;
        if (previous?.responseId) return resumedSubmission(previous.responseId, attempt, 'stream');
        const checkpoint: SubmissionCheckpoint = {};
        // Heartbeat from the start, through the look-up and the wait for the stream's headers: a heartbeat
        // timeout there would start a second attempt while this one's POST may still be on its way, and that
        // attempt's look-up would miss it and ask again.
        const stopHeartbeats = keepHeartbeating(() => ({ ...checkpoint }));
        try {
          const mayHavePosted = attempt > 1 && !rejected.take(key);
          const run = { moveworks, rejected, key, attempt, signal: cancellationSignal(), checkpoint, mayHavePosted };
          return await postAndStream({ ...run, scheduledMs: info.scheduledTimestampMs }, input);
        } finally {
          stopHeartbeats();
        }
      }, settlingWindow());
    },
  };
}
