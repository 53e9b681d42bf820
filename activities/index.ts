/**
 * The HTTP activities: thin adapters from the Moveworks client to Temporal. The client (and so the bearer token
 * or client secret) is injected by the worker; nothing secret is ever an activity argument or result.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import type { MoveworksClient } from '../moveworks';
import { activityKey, posting, terminalOutput, withFailureMapping } from './support';
import { createStreamActivities } from './stream-turn';
import {
  conversationMarker,
  findConversationByMarker,
  findSubmittedTurn,
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

const TERMINAL_STATUSES = new Set(['COMPLETED', 'FAILED']);

export interface ActivityDeps {
  moveworks: MoveworksClient;
}

export function createActivities({ moveworks }: ActivityDeps) {
  const rejected = new RejectedAttempts();
  return {
    ...createStreamActivities({ moveworks }, rejected),

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
        if (attempt > 1 && !rejected.take(key)) {
          const { conversationId, turnIndex, question } = input;
          const existing = await findSubmittedTurn(moveworks, conversationId, turnIndex, question, signal);
          if (existing) {
            log.info('reusing the response an earlier attempt created', { responseId: existing });
            return { responseId: existing, status: 'CREATED', attempt, reconciled: true };
          }
        }
        const response = await posting(rejected, key, () =>
          moveworks.createResponse(input.conversationId, { text: input.question }, { signal }),
        );
        return { responseId: response.response_id, status: response.status, attempt, reconciled: false };
      });
    },

    async fetchResponse(input: FetchResponseInput): Promise<FetchResponseOutput> {
      return withFailureMapping(async (attempt) => {
        const response = await moveworks.getResponse(input.conversationId, input.responseId, {
          signal: cancellationSignal(),
        });
        if (!TERMINAL_STATUSES.has(response.status)) return { status: response.status, terminal: false, attempt };
        return terminalOutput(response, attempt);
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
