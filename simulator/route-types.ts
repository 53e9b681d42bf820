// The shape shared by every API route handler.
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiFlavour, SimulatorConfig } from './config';
import { ApiError, isRecord, parseJson, type ErrorCode } from './http-io';
import type { RequestLog } from './request-log';
import type { ConversationRecord, ConversationStore } from './store';
import type { Turn } from './turns';

export type { ConversationRecord };

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  rawBody: string;
  headers: IncomingHttpHeaders;
  now: number;
  /** The API whose base path the request came in under. */
  api: ApiFlavour;
}

export interface SimContext {
  store: ConversationStore;
  log: RequestLog;
  config: SimulatorConfig;
}

export type ApiOutcome =
  | { kind: 'json'; status: number; body: unknown; conversationId?: string; responseId?: string }
  | { kind: 'stream'; turn: Turn };

export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path template under the API's base path, as the OpenAPI documents spell it. */
  template: string;
  /** Creating routes are the ones the commit-then-drop fault applies to. */
  creates?: boolean;
  handle(req: ApiRequest, sim: SimContext): ApiOutcome;
}

export function json(
  status: number,
  body: unknown,
  ids: { conversationId?: string; responseId?: string } = {},
): ApiOutcome {
  return { kind: 'json', status, body, ...ids };
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found.`);
}

export function requireConversation(sim: SimContext, id: string | undefined): ConversationRecord {
  const conversation = id === undefined ? undefined : sim.store.getConversation(id);
  if (!conversation) throw notFound('Conversation');
  return conversation;
}

export function requireTurn(sim: SimContext, params: Record<string, string>): Turn {
  const conversation = requireConversation(sim, params.conversation_id);
  const turn = conversation.turns.find((t) => t.responseId === params.response_id);
  if (!turn) throw notFound('Response');
  return turn;
}

/** Parses a JSON object body; an empty body counts as `{}`. */
export function objectBody(raw: string, code: ErrorCode): Record<string, unknown> {
  const parsed = parseJson(raw);
  if (!parsed.ok) throw new ApiError(400, code, 'The request body is not valid JSON.');
  if (parsed.value === undefined) return {};
  if (!isRecord(parsed.value)) throw new ApiError(400, code, 'The request body must be a JSON object.');
  return parsed.value;
}
