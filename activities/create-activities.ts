/**
 * The activities factory: thin adapters from the Moveworks client to Temporal (create a conversation, open one with
 * its first turn, submit a turn, fetch a response; streaming and the API check come from their own files). The
 * client, and so the bearer token or client secret, is injected by the worker; nothing secret is ever an activity
 * argument or result.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { isTerminalStatus, type MoveworksClient } from '../moveworks';
import {
  activityKey,
  beat,
  keepHeartbeating,
  markerOf,
  posting,
  settlingWindow,
  terminalOutput,
  withFailureMapping,
} from './support';
import { createStreamActivities } from './stream-turn';
import { createApiCheckActivities } from './api-check';
import { findConversationByMarker, RejectedAttempts, titleWithMarker } from './reconcile';
import { createGroupOpeningActivities } from './open-conversations';
import { postAndPoll, postAndStream, resumedSubmission, type SubmissionCheckpoint } from './submission';
import { workerMetrics } from '../observability/metrics';
import type {
  CreateConversationInput,
  CreateConversationOutput,
  FetchResponseInput,
  FetchResponseOutput,
  OpenConversationInput,
  OpenConversationOutput,
  OpeningCheckpoint,
  SubmitTurnInput,
  SubmitTurnOutput,
} from '../common/activity-types';

export interface ActivityDeps {
  moveworks: MoveworksClient;
  /**
   * Whether one activity may make several requests: poll inline after submitting, create a conversation and submit
   * its first turn together. Off when the worker enforces a rate limit (MWBATCH_RPS): that limit counts
   * activities, so each HTTP request must then be an activity of its own.
   */
  severalRequests?: boolean;
}

export function createActivities({ moveworks, severalRequests = true }: ActivityDeps) {
  const rejected = new RejectedAttempts();

  /**
   * The conversation this activity creates: on a retry, the one an earlier attempt created if the API lists it
   * (found by the marker in its title); `reused` says so. A retry after a 429 or 409 on this worker does not look.
   */
  async function findOrCreateConversation(
    input: CreateConversationInput,
    attempt: number,
    onPost = () => {},
    handedBack?: OpeningCheckpoint,
  ) {
    const info = activityInfo();
    const signal = cancellationSignal();
    const marker = markerOf(input.markerKey);
    const key = activityKey();
    // A conversation handed back by its group's activity may have been created there, as by an earlier attempt.
    if ((attempt > 1 || handedBack) && !rejected.take(key)) {
      const since = handedBack?.sinceMs ?? info.scheduledTimestampMs;
      const existing = await findConversationByMarker(moveworks, marker, since, signal);
      if (existing) {
        log.info('reusing the conversation an earlier attempt created', { conversationId: existing });
        workerMetrics.reconciliation('conversation');
        return { conversationId: existing, reused: true };
      }
    }
    const title = titleWithMarker(input.title ?? input.firstQuestion, marker);
    onPost();
    const conversation = await posting(rejected, key, () => moveworks.createConversation({ title }, { signal }));
    return { conversationId: conversation.conversation_id, reused: false };
  }

  return {
    ...createStreamActivities({ moveworks }, rejected),
    ...createGroupOpeningActivities({ moveworks, severalRequests }),
    ...createApiCheckActivities({ moveworks }),

    async createConversation(input: CreateConversationInput): Promise<CreateConversationOutput> {
      return withFailureMapping(async (attempt) => {
        const { conversationId, reused } = await findOrCreateConversation(input, attempt);
        return { conversationId, attempt, reconciled: reused };
      });
    },

    /**
     * Create the conversation and submit its first turn (poll mode: then poll it inline; stream mode: read its
     * stream), so a conversation costs one activity and two workflow tasks when its answer comes in time. Exactly
     * once as the two activities it replaces: the heartbeat carries the conversation and response ids; a retry
     * without them finds the conversation by its marker and the turn among its messages before posting again.
     */
    async openConversation(input: OpenConversationInput): Promise<OpenConversationOutput> {
      // What a group's activity did before it handed this conversation back counts as an earlier attempt's
      // heartbeat; this activity's own heartbeats, from its later attempts, add to it.
      const { handedBack } = input;
      const checkpointSoFar = () => ({ ...handedBack, ...(activityInfo().heartbeatDetails as SubmissionCheckpoint) });
      // The POSTs of every attempt so far are counted in the heartbeat, so the turn reports the requests it made.
      const earlier = checkpointSoFar();
      const checkpoint: SubmissionCheckpoint = {
        conversationPosts: earlier.conversationPosts ?? 0,
        responsePosts: earlier.responsePosts ?? 0,
      };
      const posts = () => ({
        conversation: checkpoint.conversationPosts || 1,
        response: checkpoint.responsePosts || 1,
      });
      // A 404 or 409 is the API settling only once the conversation exists (for the turn's POST): before, final.
      const failureContext: { checkpoint: SubmissionCheckpoint; settlingUntilMs?: number } = { checkpoint };
      return withFailureMapping(async (attempt) => {
        const info = activityInfo();
        const key = activityKey();
        const previous = checkpointSoFar();
        const { firstTurn } = input;
        if (previous.conversationId && previous.responseId) {
          const submitted = resumedSubmission(previous.responseId, posts().response, firstTurn.mode);
          return {
            conversationId: previous.conversationId,
            attempt: posts().conversation,
            reconciled: true,
            submitted,
          };
        }
        const stopHeartbeats = keepHeartbeating(() => ({ ...checkpoint }));
        try {
          const opened = previous.conversationId
            ? { conversationId: previous.conversationId, reused: true }
            : await findOrCreateConversation(input, attempt, () => (checkpoint.conversationPosts! += 1), handedBack);
          checkpoint.conversationId = opened.conversationId;
          failureContext.settlingUntilMs = settlingWindow().settlingUntilMs;
          const output = {
            conversationId: opened.conversationId,
            attempt: posts().conversation,
            reconciled: opened.reused,
          };
          if (!severalRequests) return output;
          const turn: SubmitTurnInput = { conversationId: opened.conversationId, question: firstTurn.question };
          // Only a conversation an earlier attempt created can hold this turn already.
          const mayHavePosted = opened.reused && !rejected.take(key);
          const run = { moveworks, rejected, key, attempt, signal: cancellationSignal(), checkpoint, mayHavePosted };
          const attemptRun = { ...run, scheduledMs: handedBack?.sinceMs ?? info.scheduledTimestampMs };
          const submitted =
            firstTurn.mode === 'stream'
              ? await postAndStream(attemptRun, turn)
              : await postAndPoll(attemptRun, turn, (firstTurn.poll?.inlineMs ?? 0) > 0 ? firstTurn.poll : undefined);
          return { ...output, submitted: { ...submitted, attempt: posts().response } };
        } catch (err) {
          // The next attempt must not create another conversation, and counts this one's POSTs: the heartbeat
          // hands it the conversation and the counts.
          beat({ ...checkpoint });
          throw err;
        } finally {
          stopHeartbeats();
        }
      }, failureContext);
    },

    async submitTurn(input: SubmitTurnInput): Promise<SubmitTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const info = activityInfo();
        const key = activityKey();
        const inlinePoll = severalRequests && (input.poll?.inlineMs ?? 0) > 0 ? input.poll : undefined;
        // An earlier attempt got as far as a response id (inline polling heartbeats it): never submit again.
        const previous = info.heartbeatDetails as SubmissionCheckpoint | undefined;
        if (previous?.responseId) return resumedSubmission(previous.responseId, attempt, 'poll');
        const checkpoint: SubmissionCheckpoint = {};
        const stopHeartbeats = inlinePoll ? keepHeartbeating(() => ({ ...checkpoint })) : () => {};
        try {
          const mayHavePosted = attempt > 1 && !rejected.take(key);
          const run = { moveworks, rejected, key, attempt, signal: cancellationSignal(), checkpoint, mayHavePosted };
          return await postAndPoll({ ...run, scheduledMs: info.scheduledTimestampMs }, input, inlinePoll);
        } finally {
          stopHeartbeats();
        }
      }, settlingWindow());
    },

    async fetchResponse(input: FetchResponseInput): Promise<FetchResponseOutput> {
      return withFailureMapping(
        async (attempt) => {
          const response = await moveworks.getResponse(input.conversationId, input.responseId, {
            signal: cancellationSignal(),
          });
          if (!isTerminalStatus(response.status)) return { status: response.status, terminal: false, attempt };
          return terminalOutput(response, attempt);
        },
        { earlier429s: input.earlier429s, ...settlingWindow() },
      );
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
