/**
 * Starts `temporal server start-dev` as a child process and waits until it answers gRPC calls.
 * Used by `mwbatch dev`, the vitest global setup and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { BATCH_ID } from '../common/names';
import { freePort } from './ports';

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  /**
   * gRPC port; 0 picks a free one, and picks again (at most PORT_ATTEMPTS times in all) when the server finds it
   * taken. A port given here is kept: the start fails if it is taken.
   */
  port?: number;
  /** Web UI port; `false` runs headless. Default: the CLI's own default (port + 1000). */
  uiPort?: number | false;
  /** Keep state in this SQLite file across restarts; in memory when absent. */
  dbFilename?: string;
  namespace?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves once the frontend answers GetSystemInfo; rejects with the server's own output if it exits first. */
async function waitUntilReady(address: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal server start-dev exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await delay(200); // not synchronisation: the interval between readiness probes
    }
  }
  throw new Error(`temporal server start-dev did not answer on ${address} within ${timeoutMs} ms:\n${output()}`);
}

/** The dynamic config every dev server of this project runs with (deploy/dynamicconfig/ gives a cluster the same). */
export const DEV_SERVER_SETTINGS = [
  // One partition per task queue: the API queue's rate limit is then one token bucket, not four that each
  // start full (with the default 4 partitions the first seconds overshoot the limit by up to 2x).
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
  // Eager activity dispatch (off by default in the server): the reply to a completed workflow task hands the worker
  // the activities it just scheduled on its own queue, saving the trip through the task queue (bench/COMPARE.md).
  'system.enableActivityEagerExecution=true',
];

/**
 * The dev server's environment: Go's garbage collector set to run less often than its default (GOGC=100), unless
 * GOGC is set already. With 1,000 workflows in flight it spent ~9 % of the server's CPU collecting; at 400 the
 * server's CPU per question falls by about a fifth for a few hundred MB more memory (bench/COMPARE.md).
 */
function devServerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOGC: process.env.GOGC ?? '400' };
}

/** Ports tried when the dev server's port is ours to choose (see `freePort`). */
const PORT_ATTEMPTS = 3;

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort(ip));
    try {
      return await startOn(ip, port, options);
    } catch (err) {
      const taken = err instanceof Error && /address already in use/.test(err.message);
      if (!taken || options.port || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

async function startOn(ip: string, port: number, options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--search-attribute', `${BATCH_ID.name}=Keyword`, '--log-level', 'error');
  for (const setting of DEV_SERVER_SETTINGS) args.push('--dynamic-config-value', setting);
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.uiPort === false) args.push('--headless');
  else if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: devServerEnv() });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const address = `${ip}:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
  };
  try {
    await waitUntilReady(address, child, () => output, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const uiUrl = options.uiPort === false ? undefined : `http://${ip}:${options.uiPort || port + 1000}`;
  return { address, namespace, uiUrl, process: child, stop };
}
