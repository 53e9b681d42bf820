// Response and message endpoints: create (polling and stream), get, list messages, submit feedback.
import { parseDirectives } from './answers';
import { ApiError, isRecord } from './http-io';
import { paginate, parseLimit } from './pagination';
import {
  json,
  notFound,
  objectBody,
  requireConversation,
  requireTurn,
  type ApiRequest,
  type ConversationRecord,
  type Route,
  type SimContext,
} from './route-types';
import type { TurnInput } from './store';
import { renderResponse, visibleMessages, type Turn } from './turns';

const MAX_ADDITIONAL_FEEDBACK = 1000;

/**
 * `input.text`, or on v1 `input.callback_id` (exactly one of them), as the request sends it. A callback ID must be
 * one a v1 answer of this conversation offered.
 */
function readInput(req: ApiRequest, sim: SimContext, conversation: ConversationRecord): TurnInput {
  const body = objectBody(req.rawBody, 'INVALID_INPUT');
  const input = isRecord(body.input) ? body.input : {};
  const { text, callback_id: callbackId } = input;
  if (req.api === 'v1' && callbackId !== undefined) {
    if (text !== undefined) throw new ApiError(400, 'INVALID_INPUT', 'Give either input.text or input.callback_id.');
    if (typeof callbackId !== 'string' || !sim.store.findPressedTurn(conversation, callbackId)) {
      throw new ApiError(400, 'INVALID_INPUT', 'input.callback_id is not an action offered in this conversation.');
    }
    return { callbackId };
  }
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ApiError(400, 'INVALID_INPUT', 'input.text is required.');
  }
  return { question: text };
}

/**
 * Stores the user turn and its response, unless a refusal applies first: the question's `[sim:refuse=STATUS]`
 * directive, or the `conflictWhileSettlingMs` knob while the conversation's previous response is still settling.
 */
function createTurn(req: ApiRequest, sim: SimContext): Turn {
  const conversation = requireConversation(sim, req.params.conversation_id);
  const input = readInput(req, sim, conversation);
  const refuse = 'question' in input ? parseDirectives(input.question).refuseStatus : null;
  if (refuse !== null) {
    const code = refuse === 400 ? 'INVALID_INPUT' : 'UNPROCESSABLE_ENTITY';
    throw new ApiError(refuse, code, 'The question was refused (simulated).', { fault: `refuse-${refuse}` });
  }
  const previous = conversation.turns.at(-1);
  if (previous && isSettling(previous, req.now, sim.config.conflictWhileSettlingMs)) {
    throw new ApiError(409, 'CONFLICT', 'The previous response of this conversation is still settling.', {
      fault: 'conflict-while-settling',
    });
  }
  const turn = sim.store.createTurn(conversation, input, req.api);
  sim.log.countResponseCreated(conversation.id, turn.question);
  return turn;
}

/** True while `turn` is unfinished or finished less than `windowMs` ago; never when the window is 0. */
function isSettling(turn: Turn, now: number, windowMs: number): boolean {
  if (windowMs <= 0) return false;
  return turn.settleAt === null || now < turn.settleAt + windowMs;
}

function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.trim().split(';')[0]?.trim() === 'text/event-stream');
}

export const responseRoutes: Route[] = [
  {
    method: 'POST',
    template: '/conversations/{conversation_id}/responses',
    creates: true,
    handle(req, sim) {
      const turn = createTurn(req, sim);
      // The acknowledgement always shows CREATED, even with a zero answer delay.
      return json(202, renderResponse(turn, req.now, 'CREATED'), ids(turn));
    },
  },
  {
    method: 'POST',
    template: '/conversations/{conversation_id}/responses/stream',
    creates: true,
    handle(req, sim) {
      requireConversation(sim, req.params.conversation_id);
      // The spec makes `Accept: text/event-stream` required; the real server's reaction is undocumented.
      if (!acceptsEventStream(req.headers.accept)) {
        throw new ApiError(400, 'INVALID_INPUT', 'The Accept header must be text/event-stream.');
      }
      return { kind: 'stream', turn: createTurn(req, sim) };
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/responses/{response_id}',
    handle(req, sim) {
      const turn = requireTurn(sim, req.params);
      if (req.now < turn.createdAt + sim.config.notFoundAfterCreateMs) {
        throw new ApiError(404, 'NOT_FOUND', 'Response not found.', { fault: 'not-found-after-create' });
      }
      return json(200, renderResponse(turn, req.now), ids(turn));
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/messages',
    handle(req, sim) {
      const conversation = requireConversation(sim, req.params.conversation_id);
      const messages = conversation.turns
        .flatMap((t) => visibleMessages(t, req.now))
        .sort((a, b) => b.at - a.at || b.order - a.order);
      const cursor = req.query.get('cursor');
      const page = paginate(messages, {
        kind: 'messages',
        scope: conversation.id,
        cursor: cursor === '' ? null : cursor,
        limit: parseLimit(req.query.get('limit')),
        direction: 'desc',
        positionOf: (m) => ({ at: m.at, key: m.order }),
      });
      return json(
        200,
        { messages: page.items.map((m) => m.body), metadata: { next_cursor: page.nextCursor } },
        { conversationId: conversation.id },
      );
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/responses/{response_id}/messages',
    handle(req, sim) {
      const turn = requireTurn(sim, req.params);
      // Not paginated; oldest first (the user's turn, then the assistant's reply once completed).
      return json(200, { messages: visibleMessages(turn, req.now).map((m) => m.body) }, ids(turn));
    },
  },
  {
    method: 'POST',
    template: '/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/feedback',
    handle(req, sim) {
      const turn = requireTurn(sim, req.params);
      const messageId = req.params.message_id;
      const visible = visibleMessages(turn, req.now).some(
        (m) => (m.body as { message_id: string }).message_id === messageId,
      );
      if (!visible) throw notFound('Message');
      const body = objectBody(req.rawBody, 'INVALID_REQUEST');
      const { callback_id: callbackId, additional_feedback: additional } = body;
      if (messageId !== turn.messageId) throw invalidFeedback('This message does not accept feedback.');
      if (typeof callbackId !== 'string') throw invalidFeedback('callback_id is required.');
      const rating =
        callbackId === turn.helpfulCallbackId
          ? 'helpful'
          : callbackId === turn.unhelpfulCallbackId
            ? 'unhelpful'
            : null;
      if (rating === null) throw invalidFeedback('callback_id does not belong to this message.');
      if (additional !== undefined && (typeof additional !== 'string' || additional.length > MAX_ADDITIONAL_FEEDBACK)) {
        throw invalidFeedback(`additional_feedback must be a string of at most ${MAX_ADDITIONAL_FEEDBACK} characters.`);
      }
      turn.feedback.push({
        messageId,
        rating,
        ...(typeof additional === 'string' ? { additionalFeedback: additional } : {}),
        at: req.now,
      });
      return json(200, { status: 'SUBMITTED' }, ids(turn));
    },
  },
];

function invalidFeedback(message: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', message);
}

function ids(turn: Turn): { conversationId: string; responseId: string } {
  return { conversationId: turn.conversationId, responseId: turn.responseId };
}
