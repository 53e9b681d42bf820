/**
 * Streaming mode: submit a turn through the SSE endpoint inside one heartbeating activity. The response id is
 * recorded in the heartbeat as soon as the stream announces it, so if the stream breaks or the worker dies, the
 * turn continues by polling that same response: it is never submitted twice.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { StreamError, type MoveworksClient, type ResponseStream } from '../moveworks';
import type { SubmitTurnInput, SubmitTurnOutput } from '../common/activity-types';
import { earlierSubmission, type RejectedAttempts } from './reconcile';
import {
  activityKey,
  beat,
  keepHeartbeating,
  posting,
  settlingWindow,
  terminalOutput,
  withFailureMapping,
} from './support';

interface StreamCheckpoint {
  responseId?: string;
  [key: string]: unknown;
}

export function createStreamActivities({ moveworks }: { moveworks: MoveworksClient }, rejected: RejectedAttempts) {
  return {
    async streamTurn(input: SubmitTurnInput): Promise<SubmitTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const signal = cancellationSignal();
        const key = activityKey();
        // A previous attempt got as far as a response id: never submit again, poll it.
        const previous = activityInfo().heartbeatDetails as StreamCheckpoint | undefined;
        if (previous?.responseId) {
          return { responseId: previous.responseId, terminal: false, attempt, streamProblem: 'RESUMED' };
        }
        let stream: ResponseStream | undefined;
        // Heartbeat from the start, through the look-up and the wait for the stream's headers: a heartbeat
        // timeout there would start a second attempt while this one's POST may still be on its way, and that
        // attempt's look-up would miss it and ask again.
        const stopHeartbeats = keepHeartbeating((): StreamCheckpoint => ({ responseId: stream?.responseId }));
        try {
          const existing = await earlierSubmission(moveworks, rejected, key, input, signal);
          if (existing) return { responseId: existing, terminal: false, attempt, streamProblem: 'RECONCILED' };
          stream = await posting(rejected, key, () =>
            moveworks.createResponseStream(input.conversationId, { text: input.question }, { signal }),
          );
          for await (const event of stream) {
            beat({ responseId: stream.responseId } satisfies StreamCheckpoint);
            if (event.event === 'RESPONSE_COMPLETED' || event.event === 'RESPONSE_FAILED') {
              return { ...terminalOutput(event.data.response, attempt), responseId: event.data.response.response_id };
            }
            if (event.event === 'ERROR') break;
          }
          const response = await stream.finalResponse();
          return { ...terminalOutput(response, attempt), responseId: response.response_id };
        } catch (err) {
          // Once the stream named the response, poll it. Before that, nothing is known: the StreamError is
          // retried, and the retry looks the turn up before it posts again (activities/failures.ts).
          if (!(err instanceof StreamError) || !stream?.responseId) throw err;
          log.warn('stream ended early; polling the response instead', {
            responseId: stream.responseId,
            code: err.code,
          });
          return { responseId: stream.responseId, terminal: false, attempt, streamProblem: err.code ?? 'STREAM_CUT' };
        } finally {
          stopHeartbeats();
        }
      }, settlingWindow());
    },
  };
}
