// Admin endpoints under /_sim/ for a simulator running in another process. No auth, no faults, not logged.
import type { SimulatorConfig } from './config';
import { errorBody, isRecord, parseJson } from './http-io';
import type { RecordedRequest, SimulatorStats } from './request-log';
import type { ConversationDump } from './dump';

export interface AdminControls {
  config(): SimulatorConfig;
  /** Throws an Error with a readable message when the patch is invalid. */
  configure(patch: unknown): void;
  reset(opts: { config?: boolean }): void;
  requests(sinceSeq: number): RecordedRequest[];
  stats(): SimulatorStats;
  conversations(): ConversationDump[];
  advanceClock(ms: number): void;
  now(): number;
}

export interface AdminResult {
  status: number;
  body: unknown;
}

export function handleAdmin(method: string, url: URL, rawBody: string, sim: AdminControls): AdminResult {
  const route = `${method} ${url.pathname}`;
  const body = parseJson(rawBody);
  const bodyObject = body.ok && isRecord(body.value) ? body.value : {};
  switch (route) {
    case 'GET /_sim/health':
      return { status: 200, body: { status: 'ok', now: new Date(sim.now()).toISOString() } };
    case 'GET /_sim/config':
      return { status: 200, body: sim.config() };
    case 'PATCH /_sim/config':
      if (!body.ok || !isRecord(body.value)) return invalid('Send a JSON object of config fields.');
      try {
        sim.configure(body.value);
      } catch (error) {
        return invalid((error as Error).message);
      }
      return { status: 200, body: sim.config() };
    case 'POST /_sim/reset': {
      const resetConfig = bodyObject.config === true || url.searchParams.get('config') === 'true';
      sim.reset({ config: resetConfig });
      return { status: 200, body: { status: 'reset', config: sim.config() } };
    }
    case 'GET /_sim/requests': {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0) return invalid('since must be a non-negative integer.');
      return { status: 200, body: { requests: sim.requests(since) } };
    }
    case 'GET /_sim/stats':
      return { status: 200, body: sim.stats() };
    case 'GET /_sim/conversations':
      return { status: 200, body: { conversations: sim.conversations() } };
    case 'POST /_sim/clock/advance': {
      const ms = bodyObject.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return invalid('ms must be a non-negative number.');
      sim.advanceClock(ms);
      return { status: 200, body: { now: new Date(sim.now()).toISOString() } };
    }
    default:
      return { status: 404, body: errorBody('NOT_FOUND', `No admin endpoint ${route}.`) };
  }
}

function invalid(message: string): AdminResult {
  return { status: 400, body: errorBody('INVALID_INPUT', message) };
}
