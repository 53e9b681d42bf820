/**
 * The worker and the CLI as child processes, exactly as an operator runs them (`node bin/mwbatch.js …`), so that
 * they can be killed with SIGKILL at any moment and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { MWBATCH_BIN, REPO_ROOT, type CliRun } from '../../helpers/cli';

/** The line `mwbatch worker` prints once both of its workers poll (worker/main.ts). */
const WORKER_READY = 'mwbatch worker polling';
const OUTPUT_LIMIT = 20_000;

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * One worker "slot": a `mwbatch worker` process that can be killed and started again with the same environment.
 * `starts` and `kills` count what happened to it.
 */
export class WorkerProcess {
  starts = 0;
  kills = 0;
  /** Exits nobody asked for (e.g. the worker gave up when Temporal went away): code or signal of each. */
  readonly unexpectedExits: string[] = [];
  private child?: ChildProcess;
  private log = '';
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  /** The last part of everything the worker printed, across restarts (for failure messages). */
  output(): string {
    return this.log;
  }

  /** Spawns the worker and resolves once it polls; rejects with its output if it exits or is not ready in time. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`worker ${this.name} is already running`);
    this.stopping = false;
    const child = spawn(process.execPath, [MWBATCH_BIN, 'worker'], {
      cwd: REPO_ROOT,
      env: baseEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts += 1;
    const start = this.starts;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!this.stopping && this.child === child) this.unexpectedExits.push(`start ${start}: ${signal ?? code}`);
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => fail(new Error(`worker ${this.name} not ready in ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes(WORKER_READY)) finish();
      };
      const onExit = () => fail(new Error(`worker ${this.name} exited before it was ready`));
      const cleanup = () => {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
      };
      const finish = () => {
        cleanup();
        resolve();
      };
      const fail = (err: Error) => {
        cleanup();
        reject(new Error(`${err.message}:\n${this.log}`));
      };
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** SIGKILL: no graceful shutdown, in-flight activities are abandoned mid-call. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    this.stopping = true;
    const exited = exitOf(child);
    child.kill('SIGKILL');
    await exited;
    this.kills += 1;
  }

  /** Graceful stop (SIGTERM), then SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    this.stopping = true;
    const exited = exitOf(child);
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(forced);
  }

  /** Resolves when the current process exits (at once when none runs). */
  exited(): Promise<void> {
    return this.child ? exitOf(this.child) : Promise.resolve();
  }
}

export interface CliProcess {
  child: ChildProcess;
  /** Exit code (null when killed by a signal) and output. */
  done: Promise<CliRun>;
}

/** Starts `mwbatch ARGS…` and captures its output; `done` resolves when it exits. */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [MWBATCH_BIN, ...args], {
    cwd: REPO_ROOT,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-OUTPUT_LIMIT)));
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-OUTPUT_LIMIT)));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** Kills the process (if still running) and waits for it to be gone. */
export async function killCli(cli: CliProcess): Promise<void> {
  if (hasExited(cli.child)) return;
  const exited = exitOf(cli.child);
  cli.child.kill('SIGKILL');
  await exited;
}
