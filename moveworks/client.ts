/**
 * Typed client for the Moveworks Conversations API, beta (`/rest/v1beta1`) or v1 (`/assistant/v1`): paths are
 * relative to `baseUrl` and the same in both; `api` decides the request shapes (v1 can send a button press).
 * Knows nothing of Temporal: it throws MoveworksError subclasses and retries only a 401, once,
 * after refreshing the token.
 */
import { apiFlavourFrom, type ApiFlavour } from './api-flavour';
import type { AuthProvider } from './auth';
import type { CallOptions } from './deadline';
import { BadRequestError } from './errors';
import { resolveLimits, type MoveworksLimits } from './limits';
import { nextCursorOf, PagedIterable } from './pagination';
import {
  ConversationListSchema,
  ConversationSchema,
  EventListSchema,
  FeedbackResultSchema,
  MessageListSchema,
  ResponseMessagesSchema,
  ResponseSchema,
  type Conversation,
  type ConversationEvent,
  type FeedbackResult,
  type Message,
  type AssistantResponse,
  type UnknownReporter,
} from './schemas';
import { reportingOnce } from './unknown-values';
import { isEventStream, notAnEventStream, ResponseStream } from './stream';
import { Transport, type ExchangeObserver } from './transport';

export type { CallOptions } from './deadline';

/** Caps default to DEFAULT_LIMITS (limits.ts); README "Size limits" says why. */
export interface MoveworksClientOptions extends Partial<MoveworksLimits> {
  /** e.g. https://api.moveworks.ai/rest/v1beta1 or https://api.moveworks.ai/assistant/v1 (a trailing slash is fine). */
  baseUrl: string;
  /** The API generation; default: the one the base URL's path names, else `beta` (apiFlavourFrom). */
  api?: ApiFlavour;
  /** Sent as `Assistant-Name`: the Bot Name of the Conversations API chatbot. */
  assistantName: string;
  auth: AuthProvider;
  /** Per HTTP attempt, default 30 000 ms; for a stream, until its headers arrive. */
  timeoutMs?: number;
  /**
   * The longest silence allowed on an open event stream (no event, no comment), default 125 000 ms: Moveworks
   * documents answers of up to 120 s, and a server may say nothing while it thinks. Past it the stream ends with
   * StreamError code STREAM_IDLE_TIMEOUT (and its responseId, when announced, to poll).
   */
  streamIdleTimeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Called for what the published contract does not list (a new status, content type, action type, event name, an
   * unexpected body or field type), once per client for each distinct what/value: a worker logs each once per run.
   */
  onUnknown?: UnknownReporter;
  userAgent?: string;
  /** Told of every HTTP response (method, path template, status, Retry-After): the worker's metrics and logs. */
  onExchange?: ExchangeObserver;
}

export interface ListConversationsQuery {
  archived?: boolean;
  limit?: number;
  /** Start from this cursor instead of the first page. */
  cursor?: string;
}

export interface ListEventsQuery {
  /** Exclusive lower bound: normally the last event ID seen by the previous poll. */
  startingAfter?: string;
  /** Inclusive upper bound. */
  endingAt?: string;
  limit?: number;
  cursor?: string;
}

export interface ListMessagesQuery {
  limit?: number;
  cursor?: string;
}

/** What a new turn sends: a question, or (v1 only) the `callback_id` of a button a previous answer offered. */
export type UserInput = { text: string } | { callbackId: string };

export interface FeedbackBody {
  callback_id: string;
  additional_feedback?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Above the 120 s Moveworks documents for an answer, so a server silent while it thinks is not cut off. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 125_000;
const DEFAULT_USER_AGENT = 'mwbatch-moveworks-client/0.1';
/** How much of a 2xx answer that is not an event stream is read: to quote its start, and to find a response ID. */
const NOT_SSE_READ_BYTES = 64 * 1024;

export class MoveworksClient {
  readonly baseUrl: string;
  readonly assistantName: string;
  readonly api: ApiFlavour;
  readonly streamIdleTimeoutMs: number;
  /** The size caps in force; pass `maxAnswerBytes` to extractAnswer. */
  readonly limits: Readonly<MoveworksLimits>;
  readonly #http: Transport;

  constructor(options: MoveworksClientOptions) {
    const base = new URL(options.baseUrl); // throws on a malformed URL
    if (!options.assistantName) throw new TypeError('MoveworksClient: assistantName is required');
    this.baseUrl = base.toString().replace(/\/+$/, '');
    this.assistantName = options.assistantName;
    this.api = options.api ?? apiFlavourFrom(undefined, this.baseUrl);
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    if (!(this.streamIdleTimeoutMs > 0)) throw new TypeError('MoveworksClient: streamIdleTimeoutMs must be positive');
    this.limits = resolveLimits(options);
    this.#http = new Transport({
      baseUrl: this.baseUrl,
      assistantName: options.assistantName,
      auth: options.auth,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      fetch: options.fetch ?? fetch,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      maxResponseBytes: this.limits.maxResponseBytes,
      onUnknown: options.onUnknown && reportingOnce(options.onUnknown),
      onExchange: options.onExchange,
    });
  }

  /** POST /conversations (201). Sends `{}` when no title is given. */
  createConversation(body: { title?: string } = {}, opts?: CallOptions): Promise<Conversation> {
    return this.#http.json({ method: 'POST', segments: ['conversations'], body }, ConversationSchema, opts);
  }

  /** GET /conversations, most recently updated first, across all pages. */
  listConversations(query: ListConversationsQuery = {}, opts?: CallOptions): PagedIterable<Conversation> {
    return new PagedIterable(async (cursor) => {
      const q = { archived: query.archived, limit: query.limit, cursor };
      const body = await this.#http.json(
        { method: 'GET', segments: ['conversations'], query: q },
        ConversationListSchema,
        opts,
      );
      return { items: body.conversations, nextCursor: nextCursorOf(body.metadata) };
    }, query.cursor);
  }

  /** GET /conversations/{id} */
  getConversation(conversationId: string, opts?: CallOptions): Promise<Conversation> {
    return this.#http.json({ method: 'GET', segments: ['conversations', conversationId] }, ConversationSchema, opts);
  }

  /** PATCH /conversations/{id} */
  updateConversation(
    conversationId: string,
    body: { title?: string; archived?: boolean },
    opts?: CallOptions,
  ): Promise<Conversation> {
    const spec = { method: 'PATCH', segments: ['conversations', conversationId], body } as const;
    return this.#http.json(spec, ConversationSchema, opts);
  }

  /** GET /conversations/{id}/events, oldest first. `conversationId` "-" reads every conversation. */
  listConversationEvents(
    conversationId: string,
    query: ListEventsQuery = {},
    opts?: CallOptions,
  ): PagedIterable<ConversationEvent> {
    return new PagedIterable(async (cursor) => {
      const q = { starting_after: query.startingAfter, ending_at: query.endingAt, limit: query.limit, cursor };
      const spec = { method: 'GET', segments: ['conversations', conversationId, 'events'], query: q } as const;
      const body = await this.#http.json(spec, EventListSchema, opts);
      return { items: body.events, nextCursor: nextCursorOf(body.metadata) };
    }, query.cursor);
  }

  /**
   * POST /conversations/{id}/responses (202): submits a user turn; poll getResponse for the answer. A `callbackId`
   * (v1 only) presses a button a previous answer offered; on beta it throws BadRequestError (code
   * UNSUPPORTED_INPUT) before sending anything.
   */
  async createResponse(conversationId: string, input: UserInput, opts?: CallOptions): Promise<AssistantResponse> {
    const body = { input: this.#wireInput(input) };
    const spec = { method: 'POST', segments: ['conversations', conversationId, 'responses'], body } as const;
    return this.#http.json(spec, ResponseSchema, opts);
  }

  /**
   * POST /conversations/{id}/responses/stream. Resolves once the 200 headers arrive; failures
   * before that throw the same errors as createResponse. A 2xx that is not an event stream (by its
   * content type, or with no body) throws StreamError without `responseId`.
   */
  async createResponseStream(conversationId: string, input: UserInput, opts?: CallOptions): Promise<ResponseStream> {
    const segments = ['conversations', conversationId, 'responses', 'stream'];
    const body = { input: this.#wireInput(input) };
    const opened = await this.#http.open({ method: 'POST', segments, body, accept: 'text/event-stream' }, opts);
    const { res } = opened;
    if (!res.body || !isEventStream(res)) {
      // Quote the start of the body: it may say what answered instead (a proxy page, a JSON response).
      const text = await this.#http.readText(opened, NOT_SSE_READ_BYTES).catch((err: unknown) => {
        if (opts?.signal?.aborted) throw err;
        return undefined;
      });
      throw notAnEventStream(opened, text?.text ?? '', this.#http.onUnknown);
    }
    return new ResponseStream({
      ...opened,
      body: res.body,
      idleTimeoutMs: this.streamIdleTimeoutMs,
      maxLineLength: this.limits.maxStreamLineLength,
      onUnknown: this.#http.onUnknown,
    });
  }

  /** The request's `input`: `{ text }` or `{ callback_id }` (v1 only). */
  #wireInput(input: UserInput): { text: string } | { callback_id: string } {
    if ('text' in input) return { text: input.text };
    if (this.api !== 'v1') {
      throw new BadRequestError(
        'input.callback_id (pressing an action button) needs the v1 Conversations API: set MOVEWORKS_API=v1',
        { code: 'UNSUPPORTED_INPUT' },
      );
    }
    return { callback_id: input.callbackId };
  }

  /** GET /conversations/{id}/responses/{rid}: the current status and assistant outputs. */
  getResponse(conversationId: string, responseId: string, opts?: CallOptions): Promise<AssistantResponse> {
    const spec = { method: 'GET', segments: ['conversations', conversationId, 'responses', responseId] } as const;
    return this.#http.json(spec, ResponseSchema, opts);
  }

  /** GET /conversations/{id}/messages: user and assistant messages, newest first. */
  listConversationMessages(
    conversationId: string,
    query: ListMessagesQuery = {},
    opts?: CallOptions,
  ): PagedIterable<Message> {
    return new PagedIterable(async (cursor) => {
      const q = { limit: query.limit, cursor };
      const spec = { method: 'GET', segments: ['conversations', conversationId, 'messages'], query: q } as const;
      const body = await this.#http.json(spec, MessageListSchema, opts);
      return { items: body.messages, nextCursor: nextCursorOf(body.metadata) };
    }, query.cursor);
  }

  /** GET /conversations/{id}/responses/{rid}/messages: the user input and assistant replies (not paginated). */
  async listResponseMessages(conversationId: string, responseId: string, opts?: CallOptions): Promise<Message[]> {
    const segments = ['conversations', conversationId, 'responses', responseId, 'messages'];
    const body = await this.#http.json({ method: 'GET', segments }, ResponseMessagesSchema, opts);
    return body.messages;
  }

  /** POST .../responses/{rid}/messages/{mid}/feedback with a callback_id from `message.feedback`. */
  submitFeedback(
    conversationId: string,
    responseId: string,
    messageId: string,
    body: FeedbackBody,
    opts?: CallOptions,
  ): Promise<FeedbackResult> {
    const segments = ['conversations', conversationId, 'responses', responseId, 'messages', messageId, 'feedback'];
    return this.#http.json({ method: 'POST', segments, body }, FeedbackResultSchema, opts);
  }
}
