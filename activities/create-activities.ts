/**
 * The activities factory: thin adapters from the Moveworks client to Temporal (create a conversation, submit a turn,
 * fetch a response; streaming and the API check come from their own files). The client, and so the bearer token or
 * client secret, is injected by the worker; nothing secret is ever an activity argument or result.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { isTerminalStatus, type MoveworksClient } from '../moveworks';
import {
  activityKey,
  beat,
  keepHeartbeating,
  posting,
  settlingWindow,
  terminalOutput,
  withFailureMapping,
} from './support';
import { pollInline } from './inline-poll';
import { createStreamActivities } from './stream-turn';
import { createApiCheckActivities } from './api-check';
import {
  conversationMarker,
  earlierSubmission,
  findConversationByMarker,
  RejectedAttempts,
  titleWithMarker,
} from './reconcile';
import type {
  CreateConversationInput,
  CreateConversationOutput,
  FetchResponseInput,
  FetchResponseOutput,
  SubmitTurnInput,
  SubmitTurnOutput,
} from '../common/activity-types';

export interface ActivityDeps {
  moveworks: MoveworksClient;
  /**
   * Whether submitTurn may poll inside the activity. Off when the worker enforces a rate limit: that limit counts
   * activities, so each HTTP request must then be an activity of its own.
   */
  inlinePolls?: boolean;
}

/** What submitTurn heartbeats: once set, a retry continues with this response instead of submitting again. */
interface SubmitCheckpoint {
  responseId?: string;
  [key: string]: unknown;
}

export function createActivities({ moveworks, inlinePolls = true }: ActivityDeps) {
  const rejected = new RejectedAttempts();
  return {
    ...createStreamActivities({ moveworks }, rejected),
    ...createApiCheckActivities({ moveworks }),

    async createConversation(input: CreateConversationInput): Promise<CreateConversationOutput> {
      return withFailureMapping(async (attempt) => {
        const info = activityInfo();
        const signal = cancellationSignal();
        const run = info.workflowExecution;
        const marker = conversationMarker(run?.workflowId ?? info.activityId, run?.runId ?? '');
        const key = activityKey();
        if (attempt > 1 && !rejected.take(key)) {
          const existing = await findConversationByMarker(moveworks, marker, info.scheduledTimestampMs, signal);
          if (existing) {
            log.info('reusing the conversation an earlier attempt created', { conversationId: existing });
            return { conversationId: existing, attempt, reconciled: true };
          }
        }
        const title = titleWithMarker(input.title ?? input.firstQuestion, marker);
        const conversation = await posting(rejected, key, () => moveworks.createConversation({ title }, { signal }));
        return { conversationId: conversation.conversation_id, attempt, reconciled: false };
      });
    },

    async submitTurn(input: SubmitTurnInput): Promise<SubmitTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const signal = cancellationSignal();
        const key = activityKey();
        const inlinePoll = inlinePolls && (input.poll?.inlineMs ?? 0) > 0 ? input.poll : undefined;
        // An earlier attempt got as far as a response id (inline polling heartbeats it): never submit again.
        const checkpoint = activityInfo().heartbeatDetails as SubmitCheckpoint | undefined;
        if (checkpoint?.responseId) {
          return { responseId: checkpoint.responseId, status: 'CREATED', attempt, reconciled: true };
        }
        let responseId: string | undefined;
        const stopHeartbeats = inlinePoll ? keepHeartbeating((): SubmitCheckpoint => ({ responseId })) : () => {};
        try {
          const existing = await earlierSubmission(moveworks, rejected, key, input, signal);
          if (existing) return { responseId: existing, status: 'CREATED', attempt, reconciled: true };
          const response = await posting(rejected, key, () =>
            moveworks.createResponse(input.conversationId, { text: input.question }, { signal }),
          );
          responseId = response.response_id;
          if (inlinePoll) beat({ responseId } satisfies SubmitCheckpoint);
          const submitted = { responseId, status: response.status, attempt, reconciled: false };
          if (!inlinePoll) return submitted;
          const ids = { conversationId: input.conversationId, responseId };
          const { polls, answered, retryAfterMs } = await pollInline(moveworks, ids, inlinePoll, signal, attempt);
          const status = answered?.status ?? response.status;
          return { ...submitted, ...answered, status, inlinePolls: polls, retryAfterMs };
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
