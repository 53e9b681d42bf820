// Conversation endpoints: create, list, get, update, and list events.
import { ApiError } from './http-io';
import { paginate, parseLimit } from './pagination';
import { json, objectBody, requireConversation, type Route } from './route-types';
import { renderConversation } from './store';

const MAX_TITLE = 256;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function readTitle(body: Record<string, unknown>): string | undefined {
  const { title } = body;
  if (title === undefined) return undefined;
  if (typeof title !== 'string') throw new ApiError(400, 'INVALID_INPUT', 'title must be a string.');
  if (title.length > MAX_TITLE) {
    throw new ApiError(400, 'INVALID_INPUT', `title must be at most ${MAX_TITLE} characters.`);
  }
  // Like a strict server: a lone surrogate (a character cut in half) is not text.
  if (LONE_SURROGATE.test(title)) throw new ApiError(400, 'INVALID_INPUT', 'title must be valid Unicode text.');
  return title;
}

function cursorParam(query: URLSearchParams): string | null {
  const raw = query.get('cursor');
  return raw === null || raw === '' ? null : raw;
}

export const conversationRoutes: Route[] = [
  {
    method: 'POST',
    template: '/conversations',
    creates: true,
    handle(req, sim) {
      const title = readTitle(objectBody(req.rawBody, 'INVALID_INPUT'));
      const conversation = sim.store.createConversation(title, req.api);
      sim.log.countConversationCreated();
      return json(201, renderConversation(conversation), { conversationId: conversation.id });
    },
  },
  {
    method: 'GET',
    template: '/conversations',
    handle(req, sim) {
      const archived = req.query.get('archived') === 'true';
      const page = paginate(sim.store.listConversations(archived), {
        kind: 'conversations',
        scope: archived ? 'archived' : 'active',
        cursor: cursorParam(req.query),
        limit: parseLimit(req.query.get('limit')),
        direction: 'desc',
        positionOf: (c) => ({ at: c.updatedAt, key: c.id }),
      });
      return json(200, {
        conversations: page.items.map(renderConversation),
        metadata: { next_cursor: page.nextCursor },
      });
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}',
    handle(req, sim) {
      const conversation = requireConversation(sim, req.params.conversation_id);
      return json(200, renderConversation(conversation), { conversationId: conversation.id });
    },
  },
  {
    method: 'PATCH',
    template: '/conversations/{conversation_id}',
    handle(req, sim) {
      const conversation = requireConversation(sim, req.params.conversation_id);
      const body = objectBody(req.rawBody, 'INVALID_INPUT');
      const title = readTitle(body);
      if (body.archived !== undefined && typeof body.archived !== 'boolean') {
        throw new ApiError(400, 'INVALID_INPUT', 'archived must be a boolean.');
      }
      sim.store.updateConversation(conversation, { title, archived: body.archived });
      return json(200, renderConversation(conversation), { conversationId: conversation.id });
    },
  },
  {
    method: 'GET',
    template: '/conversations/{conversation_id}/events',
    handle(req, sim) {
      const id = req.params.conversation_id;
      const scope = id === '-' ? '-' : requireConversation(sim, id);
      // Both names for the bounds appear in v1beta1 crawls; accept either.
      const after = req.query.get('starting_after') ?? req.query.get('start_event_id');
      const until = req.query.get('ending_at') ?? req.query.get('last_event_id');
      const events = sim.store
        .events(scope, req.now)
        .filter((e) => (after === null || e.event_id > after) && (until === null || e.event_id <= until));
      const page = paginate(events, {
        kind: 'events',
        scope: id ?? '-',
        cursor: cursorParam(req.query),
        limit: parseLimit(req.query.get('limit')),
        direction: 'asc',
        positionOf: (e) => ({ at: 0, key: e.event_id }),
      });
      return json(
        200,
        { events: page.items, metadata: { next_cursor: page.nextCursor } },
        scope === '-' ? {} : { conversationId: scope.id },
      );
    },
  },
];
