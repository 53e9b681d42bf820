// startSimulator: a real HTTP server on 127.0.0.1 wrapped in a small programmatic handle.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeConfig, defaultSimulatorConfig, type ApiFlavour, type SimulatorConfig } from './config';
import { SimulatorCore } from './core';
import type { ConversationDump } from './dump';
import { ApiError, sendError } from './http-io';
import type { RecordedRequest, SimulatorStats } from './request-log';
import { API_PREFIXES, TOKEN_PATH } from './routes';

export interface SimulatorOptions extends Partial<SimulatorConfig> {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Milliseconds since the epoch; inject a manual clock to move simulated time in tests. */
  clock?: () => number;
  /** Which API `baseUrl` points at (default beta). Both are always served, each under its own base path. */
  api?: ApiFlavour;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT */
  readonly origin: string;
  /** The base URL of the `api` option's API: origin + /rest/v1beta1 (beta, the default) or /assistant/v1 (v1). */
  readonly baseUrl: string;
  /** The API `baseUrl` points at. */
  readonly api: ApiFlavour;
  /** The base URL of each API; both are served at once. */
  readonly baseUrls: Readonly<Record<ApiFlavour, string>>;
  /** origin + /oauth/v1/token */
  readonly tokenUrl: string;
  /** The current configuration (a frozen snapshot; change it with configure()). */
  readonly config: Readonly<SimulatorConfig>;
  configure(patch: Partial<SimulatorConfig>): void;
  /** The request log, optionally only entries after a given seq. */
  requests(sinceSeq?: number): RecordedRequest[];
  stats(): SimulatorStats;
  conversations(): ConversationDump[];
  /** Clears state and the log; with `{ config: true }` also restores the start-up configuration. */
  reset(opts?: { config?: boolean }): void;
  /** Moves the simulator clock forward (adds to the injected or real clock). */
  advanceClock(ms: number): void;
  /** The simulator clock (ms epoch). */
  now(): number;
  /** Stops listening and destroys every socket, including hanging requests and open streams. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { port = 0, host = '127.0.0.1', clock = Date.now, api = 'beta', ...configInput } = options;
  const core = new SimulatorCore(mergeConfig(defaultSimulatorConfig, configInput), clock);
  const server = createServer((req, res) => {
    core.handle(req, res).catch((error: unknown) => {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, 'INTERNAL_ERROR', 'Unexpected simulator error.');
      if (!res.headersSent) sendError(res, apiError);
      else res.destroy();
    });
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let closing: Promise<void> | undefined;

  const baseUrls = Object.freeze({ beta: `${origin}${API_PREFIXES.beta}`, v1: `${origin}${API_PREFIXES.v1}` });
  return {
    origin,
    api,
    baseUrls,
    baseUrl: baseUrls[api],
    tokenUrl: `${origin}${TOKEN_PATH}`,
    get config() {
      return core.config();
    },
    configure: (patch) => core.configure(patch),
    requests: (sinceSeq) => core.requests(sinceSeq),
    stats: () => core.stats(),
    conversations: () => core.conversations(),
    reset: (opts) => core.reset(opts),
    advanceClock: (ms) => core.advanceClock(ms),
    now: () => core.now(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        core.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
