/**
 * `mwbatch worker` as a process with its metrics and health server on a free port (MWBATCH_METRICS_ADDR), for the
 * observability tests: everything it writes on stderr is kept, `/metrics` is read and parsed as Prometheus
 * scrapes it, and it is stopped with SIGTERM as an orchestrator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { freePort } from '../../dev/ports';
import type { Simulator } from '../../simulator';
import { MWBATCH_BIN, REPO_ROOT } from './cli';
import { waitFor } from './wait';

export interface ObservedWorker {
  child: ChildProcess;
  /** http://127.0.0.1:PORT of the metrics and health server. */
  url: string;
  taskQueue: string;
  /** Everything the worker wrote on stderr so far. */
  log(): string;
  /** The samples of /metrics: one per line, `name{labels} value`, comments left out. */
  scrape(): Promise<Sample[]>;
  /** SIGTERM, and resolves once the process has exited. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition: `name{a="x",b="y"} 3`. */
export function parsePrometheus(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!.replace(/\\(.)/g, '$1')]),
      );
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** Starts the worker against the simulator; resolves once /readyz answers 200. */
export async function startObservedWorker(
  sim: Simulator,
  taskQueue: string,
  env: Record<string, string> = {},
): Promise<ObservedWorker> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [MWBATCH_BIN, 'worker'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      MOVEWORKS_BASE_URL: sim.baseUrl,
      MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
      MOVEWORKS_TOKEN: sim.config.token,
      MWBATCH_METRICS_ADDR: `127.0.0.1:${port}`,
      MWBATCH_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  await waitFor('the worker to be ready', async () => {
    if (ended) throw new Error(`mwbatch worker exited:\n${stderr}`);
    return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
  });
  return {
    child,
    url,
    taskQueue,
    log: () => stderr,
    async scrape() {
      const res = await fetch(`${url}/metrics`);
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
      return parsePrometheus(await res.text());
    },
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
    exited,
  };
}
