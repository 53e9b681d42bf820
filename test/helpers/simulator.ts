/**
 * Driving the simulator from a test: a clock that moves only when told, the headers an authorised API call needs,
 * a simulator for a whole file (`useSimulator`) or for one test (`startSimulatorForTest`), and its API's calls
 * as functions (`simulatorApi`).
 */
import { beforeEach, expect, onTestFinished } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';
import { useForFile } from './for-file';

/** A JSON body as a test reads it: any field, at any depth. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A simulator clock (`clock` option) that a test moves by hand. */
export interface ManualClock {
  (): number;
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that only moves when told to. Starts at 2025-01-20T10:00:00Z (the docs' example time). */
export function manualClock(start = Date.UTC(2025, 0, 20, 10, 0, 0)): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

/** Headers an authorised API call needs, for a simulator with the given config. */
export function apiHeaders(config: { token: string; assistantName: string }): Record<string, string> {
  return {
    authorization: `Bearer ${config.token}`,
    'assistant-name': config.assistantName,
    'content-type': 'application/json',
  };
}

export interface UseSimulatorOptions {
  /**
   * What to reset before each test: `'all'` (the default) clears conversations and the request log and restores
   * the start-up config; `'state'` keeps config changes; `'never'` suits a file whose tests build on each other.
   */
  reset?: 'all' | 'state' | 'never';
}

/** One simulator for the whole test file: started before its tests, closed after them, reset before each. */
export function useSimulator(options: SimulatorOptions = {}, { reset = 'all' }: UseSimulatorOptions = {}): Simulator {
  const sim = useForFile(
    'the simulator',
    () => startSimulator(options),
    (started) => started.close(),
  );
  if (reset !== 'never') beforeEach(() => sim.reset({ config: reset === 'all' }));
  return sim;
}

/** A simulator of the running test's own, closed when that test ends (pass or fail). */
export async function startSimulatorForTest(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  onTestFinished(() => sim.close());
  return sim;
}

/** The parts of an API request a test may set. */
export interface ApiRequest {
  /** GET unless given. */
  method?: string;
  /** Sent as it is when a string, as JSON otherwise; no body when undefined. */
  body?: unknown;
  /** Instead of the authorised headers, e.g. to test auth. */
  headers?: Record<string, string>;
  /** An Accept header added to the others. */
  accept?: string;
  signal?: AbortSignal;
}

export interface SimulatorApi {
  /** Any request under the API's base URL (`path` starts with `/`), authorised unless `request.headers` say not. */
  call(path: string, request?: ApiRequest): Promise<Response>;
  /** The same, with the JSON body read. */
  json(path: string, request?: ApiRequest): Promise<{ status: number; body: Json }>;
  /** POST /conversations, which must answer 201: the new conversation's id. */
  newConversation(title?: string): Promise<string>;
  /** POST /conversations/{id}/responses, which must answer 202: the created response. */
  ask(conversationId: string, text: string): Promise<Json>;
  /** GET /conversations/{id}/responses/{id}: the response as it stands. */
  getResponse(conversationId: string, responseId: string): Promise<Json>;
  /** POST /conversations/{id}/responses/stream with `Accept: text/event-stream` (or `accept`). */
  openStream(conversationId: string, text: string, accept?: string): Promise<Response>;
}

/** The calls of `sim`'s API. Plain functions: `const { ask } = simulatorApi(sim)` works. */
export function simulatorApi(sim: Simulator): SimulatorApi {
  const call = (path: string, request: ApiRequest = {}) => {
    const { method = 'GET', body, headers = apiHeaders(sim.config), accept, signal } = request;
    return fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: accept ? { ...headers, accept } : headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  };
  const json = async (path: string, request?: ApiRequest) => {
    const res = await call(path, request);
    return { status: res.status, body: (await res.json()) as Json };
  };
  return {
    call,
    json,
    async newConversation(title) {
      const res = await json('/conversations', { method: 'POST', body: title === undefined ? {} : { title } });
      expect(res.status, 'POST /conversations').toBe(201);
      return res.body.conversation_id as string;
    },
    async ask(conversationId, text) {
      const res = await json(`/conversations/${conversationId}/responses`, {
        method: 'POST',
        body: { input: { text } },
      });
      expect(res.status).toBe(202);
      return res.body;
    },
    async getResponse(conversationId, responseId) {
      return (await json(`/conversations/${conversationId}/responses/${responseId}`)).body;
    },
    openStream(conversationId, text, accept = 'text/event-stream') {
      return call(`/conversations/${conversationId}/responses/stream`, {
        method: 'POST',
        body: { input: { text } },
        accept,
      });
    },
  };
}
