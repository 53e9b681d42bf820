/**
 * `mwbatch dev`: everything on this machine — a Temporal dev server (the pinned CLI), the Moveworks simulator and
 * a worker — then the bulk job on a CSV, the answers printed, and the Web UI address to look at the batch.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { MoveworksClient, StaticTokenAuth } from '../moveworks';
import { startSimulator, type Simulator } from '../simulator';
import type { ApiFlavour } from '../moveworks/api-flavour';
import { startDevServer, type DevServer } from './dev-server';
import { freePort } from './ports';
import { ensureTemporalCli } from './temporal-cli';
import { createWorkerPair, type WorkerPair } from '../worker/workers';

export interface DevStackOptions {
  port?: number;
  uiPort?: number;
  dbFilename?: string;
  taskQueue: string;
  answerDelayMs?: number;
  /** Which Conversations API the simulator and the worker speak (MOVEWORKS_API; default beta). */
  api?: ApiFlavour;
  log?: (line: string) => void;
}

export interface DevStack {
  server: DevServer;
  sim: Simulator;
  worker: WorkerPair;
  batchUrl(batchId: string): string | undefined;
  stop(): Promise<void>;
}

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer().once('error', () => resolve(false));
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const log = options.log ?? ((line: string) => console.error(line));
  // The demo prints answers; the SDK's INFO lines (bundling, worker states) would drown them.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cliPath = ensureTemporalCli();
  const port = await portOr(options.port ?? 7233);
  const uiPort = await portOr(options.uiPort ?? port + 1000);
  log(`starting Temporal dev server (${cliPath}) on 127.0.0.1:${port}...`);
  const server = await startDevServer({ cliPath, port, uiPort, dbFilename: options.dbFilename });
  const api = options.api ?? 'beta';
  const sim = await startSimulator({ answerDelayMs: options.answerDelayMs ?? 1_000, api });
  log(`Moveworks simulator on ${sim.baseUrl} (${api} API)`);
  const connection = await NativeConnection.connect({ address: server.address });
  const moveworks = new MoveworksClient({
    api,
    baseUrl: sim.baseUrl,
    assistantName: sim.config.assistantName,
    auth: new StaticTokenAuth(sim.config.token),
  });
  const worker = await createWorkerPair({
    connection,
    namespace: server.namespace,
    taskQueue: options.taskQueue,
    moveworks,
  });
  const running = worker.run();
  return {
    server,
    sim,
    worker,
    batchUrl: (batchId) =>
      server.uiUrl &&
      `${server.uiUrl}/namespaces/${server.namespace}/workflows?query=${encodeURIComponent(`BatchId="${batchId}"`)}`,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await sim.close();
      await server.stop();
    },
  };
}
