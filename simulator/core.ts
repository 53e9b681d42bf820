// The simulator's state and its request pipeline: route → latency → auth → rate limit → faults → handler.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAdmin, type AdminControls } from './admin';
import { authorize, handleTokenRequest, TokenRegistry } from './auth';
import { mergeConfig, type SimulatorConfig } from './config';
import { dumpConversations } from './dump';
import { drawRequestFaults, retryAfterHeaders, retryAfterSeconds, TokenBucket } from './faults';
import { parseDirectives } from './answers';
import { ApiError, parseJson, readBody, sendError, sendJson, sendTruncatedJson } from './http-io';
import { randomStreams, uuidV4, type RandomStreams } from './random';
import { RequestLog, type RecordedRequest } from './request-log';
import { apiOfPath, matchRoute, TOKEN_PATH } from './routes';
import { ConversationStore } from './store';
import { streamFaultName, streamTurn, type WireOptions } from './stream';

export class SimulatorCore implements AdminControls {
  private current: SimulatorConfig;
  private streams: RandomStreams;
  private clockOffset = 0;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  readonly log = new RequestLog();
  readonly tokens = new TokenRegistry();
  private readonly bucket = new TokenBucket();
  readonly store: ConversationStore;

  constructor(
    private readonly initial: SimulatorConfig,
    private readonly baseClock: () => number,
  ) {
    this.current = Object.freeze({ ...initial });
    this.streams = randomStreams(initial.seed);
    this.store = new ConversationStore({
      config: () => this.current,
      now: () => this.now(),
      ids: () => this.streams.ids,
      outcomes: () => this.streams.outcomes,
    });
  }

  now(): number {
    return this.baseClock() + this.clockOffset;
  }

  config(): SimulatorConfig {
    return this.current;
  }

  configure(patch: unknown): void {
    const next = Object.freeze(mergeConfig(this.current, patch));
    if (next.seed !== this.current.seed) this.streams = randomStreams(next.seed);
    this.current = next;
  }

  /** Clears conversations, the log, stats and the rate bucket, and re-seeds; keeps issued tokens. */
  reset(opts: { config?: boolean } = {}): void {
    if (opts.config) this.current = Object.freeze({ ...this.initial });
    this.store.clear();
    this.log.clear();
    this.bucket.reset();
    this.streams = randomStreams(this.current.seed);
  }

  requests(sinceSeq = 0): RecordedRequest[] {
    return this.log.list(sinceSeq);
  }

  stats() {
    return this.log.stats();
  }

  conversations() {
    return dumpConversations(this.store.all(), this.now());
  }

  advanceClock(ms: number): void {
    this.clockOffset += ms;
  }

  /** Releases pending latency waits; sockets are closed by the server. */
  shutdown(): void {
    this.closed = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith('/_sim/');
    // Admin calls draw nothing from the seeded streams, so they never shift a replay. The v1 API names its
    // request identifier x-trace-id; beta (and the token endpoint) x-moveworks-root-uuid.
    const traceHeader = apiOfPath(url.pathname) === 'v1' ? 'x-trace-id' : 'x-moveworks-root-uuid';
    res.setHeader(traceHeader, isAdmin ? randomUUID() : uuidV4(this.streams.trace));
    const rawBody = await readBody(req);
    if (isAdmin) {
      const result = handleAdmin(method, url, rawBody, this);
      sendJson(res, result.status, result.body);
      return;
    }
    if (url.pathname === TOKEN_PATH && method === 'POST') {
      const entry = this.log.begin({ at: this.now(), method, path: url.pathname, route: TOKEN_PATH });
      const result = handleTokenRequest(req.headers['content-type'], rawBody, this.tokens, this.current, this.now());
      entry.status = result.status;
      sendJson(res, result.status, result.body, { 'cache-control': 'no-store' });
      return;
    }
    await this.handleApi(req, res, url, method, rawBody);
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    rawBody: string,
  ): Promise<void> {
    const config = this.current;
    const match = matchRoute(method, url.pathname);
    const faults = drawRequestFaults(this.streams.faults(`${method} ${match?.route.template ?? '(unknown)'}`), config);
    const parsed = parseJson(rawBody);
    const entry = this.log.begin({
      at: this.now(),
      method,
      path: url.pathname,
      route: match?.route.template ?? '(unknown)',
      ...(parsed.ok && parsed.value !== undefined ? { body: parsed.value } : {}),
    });
    const conversationId = match?.params.conversation_id;
    if (conversationId !== undefined && conversationId !== '-') entry.conversationId = conversationId;
    if (match?.params.response_id !== undefined) entry.responseId = match.params.response_id;
    try {
      if (config.latencyMs > 0) await this.wait(config.latencyMs);
      if (this.closed) return;
      if (!match) throw new ApiError(404, 'NOT_FOUND', `No route for ${method} ${url.pathname}.`);
      authorize(req.headers, this.tokens, config, this.now());
      if (config.rateLimit) {
        const taken = this.bucket.take(this.now(), config.rateLimit);
        if (!taken.ok) throw this.rateLimited(entry, taken.waitMs);
      }
      if (faults.rate429) {
        entry.fault = 'rate429';
        throw this.rateLimited(entry, 1000);
      }
      if (faults.serverError !== null) {
        entry.fault = `http${faults.serverError}`;
        throw new ApiError(faults.serverError, 'INTERNAL_ERROR', 'Simulated server error.');
      }
      if (faults.hang) {
        // Never answer; the socket stays open until the client gives up or the simulator closes.
        entry.fault = 'hang';
        return;
      }
      const commitDelayMs = method === 'POST' ? commitDelayOf(parsed) : 0;
      if (commitDelayMs > 0) {
        // A slow server: the request is in, nothing is stored yet.
        entry.fault = 'commit-delay';
        await this.wait(commitDelayMs);
        if (this.closed) return;
      }
      const outcome = match.route.handle(
        {
          params: match.params,
          query: url.searchParams,
          rawBody,
          headers: req.headers,
          now: this.now(),
          api: match.api,
        },
        { store: this.store, log: this.log, config },
      );
      if (outcome.kind === 'stream') {
        entry.responseId = outcome.turn.responseId;
        if (match.route.creates && faults.commitThenDrop) {
          // The turn is stored; the client sees the connection drop before any header.
          entry.fault = 'commit-then-drop';
          res.destroy();
          return;
        }
        const fault = streamFaultName(outcome.turn);
        if (fault !== undefined) entry.fault = fault;
        await streamTurn(res, outcome.turn, {
          now: () => this.now(),
          keepAliveMs: config.keepAliveMs,
          wire: wireOptions(config, parseDirectives(outcome.turn.question)),
          onHeaders: () => (entry.status = 200),
        });
        return;
      }
      if (outcome.conversationId !== undefined) entry.conversationId = outcome.conversationId;
      if (outcome.responseId !== undefined) entry.responseId = outcome.responseId;
      const success = outcome.status >= 200 && outcome.status < 300;
      if (success && match.route.creates && faults.commitThenDrop) {
        // The resource is stored; the client only sees a dropped connection.
        entry.fault = 'commit-then-drop';
        res.destroy();
        return;
      }
      entry.status = outcome.status;
      if (success && faults.malformedJson) {
        entry.fault = 'malformed-json';
        sendTruncatedJson(res, outcome.status, outcome.body);
        return;
      }
      sendJson(res, outcome.status, outcome.body);
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, 'INTERNAL_ERROR', 'Unexpected simulator error.');
      entry.status = apiError.status;
      if (apiError.fault !== undefined) entry.fault = apiError.fault;
      if (!res.headersSent) sendError(res, apiError);
      else res.destroy();
    }
  }

  private rateLimited(entry: RecordedRequest, waitMs: number): ApiError {
    const mode = this.current.retryAfter;
    if (mode !== 'none') entry.retryAfterMs = retryAfterSeconds(waitMs) * 1000;
    const headers = retryAfterHeaders(mode, waitMs, this.now());
    return new ApiError(429, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded.', { headers });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }
}

/** How the stream writes its bytes: the realism knobs, or the question's directives for one stream. */
function wireOptions(config: SimulatorConfig, directives: ReturnType<typeof parseDirectives>): WireOptions {
  return {
    lineEnding: directives.sseCrlf ? 'crlf' : config.sseLineEnding,
    comments: directives.sseComments || config.sseComments,
    chunkBytes: directives.sseSplitBytes ?? config.sseChunkBytes,
    finalBlankLine: !directives.noFinalBlank,
  };
}

/** `[sim:commit-delay=MS]` in the question a POST carries (`input.text`), if any. */
function commitDelayOf(parsed: ReturnType<typeof parseJson>): number {
  const input = parsed.ok ? (parsed.value as { input?: { text?: unknown } } | undefined)?.input : undefined;
  return typeof input?.text === 'string' ? (parseDirectives(input.text).commitDelayMs ?? 0) : 0;
}
