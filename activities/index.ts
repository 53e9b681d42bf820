/**
 * The HTTP activities: thin adapters from the Moveworks client to Temporal. The client (and so the bearer token
 * or client secret) is injected by the worker; nothing secret is ever an activity argument or result.
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { extractAnswer, type MoveworksClient } from '../moveworks';
import { toTemporalFailure } from './failures';
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

async function withFailureMapping<T>(call: (attempt: number) => Promise<T>, idempotent = false): Promise<T> {
  const { attempt } = activityInfo();
  try {
    return await call(attempt);
  } catch (err) {
    throw toTemporalFailure(err, attempt, idempotent);
  }
}

export function createActivities({ moveworks }: ActivityDeps) {
  return {
    async createConversation(input: CreateConversationInput): Promise<CreateConversationOutput> {
      return withFailureMapping(async (attempt) => {
        const conversation = await moveworks.createConversation(input.title ? { title: input.title } : {}, {
          signal: cancellationSignal(),
        });
        return { conversationId: conversation.conversation_id, attempt };
      });
    },

    async submitTurn(input: SubmitTurnInput): Promise<SubmitTurnOutput> {
      return withFailureMapping(async (attempt) => {
        const response = await moveworks.createResponse(
          input.conversationId,
          { text: input.question },
          { signal: cancellationSignal() },
        );
        return { responseId: response.response_id, status: response.status, attempt };
      });
    },

    async fetchResponse(input: FetchResponseInput): Promise<FetchResponseOutput> {
      return withFailureMapping(async (attempt) => {
        const response = await moveworks.getResponse(input.conversationId, input.responseId, {
          signal: cancellationSignal(),
        });
        if (!TERMINAL_STATUSES.has(response.status)) return { status: response.status, terminal: false, attempt };
        const answer = extractAnswer(response);
        return {
          status: response.status,
          terminal: true,
          answer: answer.text,
          citations: answer.citations,
          outputs: response.outputs ?? [],
          attempt,
        };
      }, true);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
