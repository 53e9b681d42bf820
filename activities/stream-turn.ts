/**
 * Streaming mode: submit a turn through the SSE endpoint inside one heartbeating activity. The response id is
 * recorded in the heartbeat as soon as the stream announces it, so if the stream breaks or the worker dies, the
 * turn continues by polling that same response: it is never submitted twice.
 */
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { StreamError, type MoveworksClient, type Response } from '../moveworks';
import type { StreamTurnOutput, SubmitTurnInput } from '../common/activity-types';
import { findSubmittedTurn, type RejectedAttempts } from './reconcile';
import { activityKey, keepHeartbeating, posting, terminalOutput, withFailureMapping } from './support';

interface StreamCheckpoint {
  responseId?: string;
}

function answered(response: Response, attempt: number): StreamTurnOutput {
  return { ...terminalOutput(response, attempt), responseId: response.response_id };
}

export function createStreamActivities({ moveworks }: { moveworks: MoveworksClient }, rejected: RejectedAttempts) {
  return {
    async streamTurn(input: SubmitTurnInput): Promise<StreamTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const signal = cancellationSignal();
        const key = activityKey();
        // A previous attempt got as far as a response id: never submit again, poll it.
        const previous = activityInfo().heartbeatDetails as StreamCheckpoint | undefined;
        if (previous?.responseId) {
          return { responseId: previous.responseId, terminal: false, attempt, streamProblem: 'RESUMED' };
        }
        if (attempt > 1 && !rejected.take(key)) {
          const existing = await findSubmittedTurn(
            moveworks,
            input.conversationId,
            input.turnIndex,
            input.question,
            signal,
          );
          if (existing) return { responseId: existing, terminal: false, attempt, streamProblem: 'RECONCILED' };
        }
        const stream = await posting(rejected, key, () =>
          moveworks.createResponseStream(input.conversationId, { text: input.question }, { signal }),
        );
        const checkpoint = (): StreamCheckpoint => ({ responseId: stream.responseId });
        const beat = () => heartbeat(checkpoint());
        const stopHeartbeats = keepHeartbeating(checkpoint);
        try {
          for await (const event of stream) {
            beat();
            if (event.event === 'RESPONSE_COMPLETED' || event.event === 'RESPONSE_FAILED') {
              return answered(event.data.response, attempt);
            }
            if (event.event === 'ERROR') break;
          }
          return await stream.finalResponse().then((response) => answered(response, attempt));
        } catch (err) {
          // Without a response id nothing is known: fail, and the retry reconciles through the message list.
          if (!(err instanceof StreamError) || !stream.responseId) throw err;
          log.warn('stream ended early; polling the response instead', {
            responseId: stream.responseId,
            code: err.code,
          });
          return { responseId: stream.responseId, terminal: false, attempt, streamProblem: err.code ?? 'STREAM_CUT' };
        } finally {
          stopHeartbeats();
        }
      });
    },
  };
}
