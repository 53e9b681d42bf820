/**
 * The benchmark's child processes: started, waited on, measured through /proc, and always stopped (also when the
 * benchmark itself is interrupted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const running = new Set<ChildProcess>();
const CLOCK_TICKS_PER_SECOND = 100; // `getconf CLK_TCK` on Linux

/** Counts a child as ours: it is killed if the benchmark is interrupted. */
export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** On Ctrl-C or SIGTERM, kill every child still running, run `cleanup` (synchronous), then exit 130. */
export function killChildrenOnSignal(cleanup: () => void = () => {}): void {
  const onSignal = () => {
    for (const child of running) child.kill('SIGKILL');
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  /** The last 64 KB of its stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Spawns `node …args`; `ready` (when given) must match its output before this resolves. `echo` prefixes and copies
 * its stderr to ours (the client's progress lines).
 */
export async function startNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  { ready, echo, timeoutMs = 120_000 }: { ready?: RegExp; echo?: string; timeoutMs?: number } = {},
): Promise<NodeChild> {
  const child = track(spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  let onOutput = () => {};
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
    onOutput();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (echo) {
    createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`${echo}${line}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started: NodeChild = { child, pid: child.pid!, output: () => output, exited };
  if (!ready) return started;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after ${timeoutMs} ms: ${args.join(' ')}\n${output}`)),
      timeoutMs,
    );
    onOutput = () => {
      if (!ready.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before it was ready: ${args.join(' ')}\n${output}`));
    });
    onOutput();
  });
  return started;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(forced);
}

export interface Usage {
  /** Peak resident set so far (VmHWM), MB. */
  peakMb: number;
  /** User + system CPU so far, seconds. */
  cpuSeconds: number;
}

/** What /proc says about a live process; zeros once it is gone. */
export function usage(pid: number): Usage {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const hwmKb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    // Fields after "(comm)": state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { peakMb: hwmKb / 1024, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
  } catch {
    return { peakMb: 0, cpuSeconds: 0 };
  }
}

/**
 * The simulator (dist/simulator/bin.js) as a process of its own, on a port it picks itself (`--port 0`), so that no
 * other process can take the port between a check and the bind; `origin` is read from its "listening on" line.
 */
export async function startSimulatorProcess(
  simulatorJs: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<NodeChild & { origin: string }> {
  const listening = /listening on (http:\/\/[^\s]+)/;
  const sim = await startNode([simulatorJs, '--port', '0', ...args], env, { ready: listening });
  return { ...sim, origin: listening.exec(sim.output())![1]! };
}
