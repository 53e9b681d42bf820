/** Helpers every command shares: option parsers and a Temporal client that is always closed. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Client } from '@temporalio/client';
import { DURATION_EXAMPLES, durationMs } from '../../common/duration';
import { loadTemporalSettings, type TemporalOverrides, type TemporalSettings } from '../../config/temporal';
import { connectClient } from '../../batch/start';
import { MAX_PER_WORKFLOW } from '../../common/types';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return n;
}

/** `--per-workflow N`: single-turn questions per workflow (batch/groups.ts). */
export function perWorkflowOption(): Option {
  return new Option(
    '--per-workflow <n>',
    `single-turn questions asked by one workflow, 1-${MAX_PER_WORKFLOW} (default 1: a workflow per conversation); ` +
      "fixed by the batch's first submission",
  ).argParser((value: string) => {
    const n = positiveInt(value);
    if (n > MAX_PER_WORKFLOW) throw new InvalidArgumentError(`must be at most ${MAX_PER_WORKFLOW}`);
    return n;
  });
}

/** `--at-once K`: how many of its questions a group asks at a time (batch/submit.ts). */
export function atOnceOption(): Option {
  return new Option(
    '--at-once <n>',
    'with --per-workflow: how many of its questions a group asks at a time, the next as soon as one is answered ' +
      '(default: all of them, at most --concurrency); each group counts this many in flight',
  ).argParser(positiveInt);
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

/** A duration option (common/duration.ts), in milliseconds. */
export function parseDuration(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`must be a duration such as ${DURATION_EXAMPLES}`);
  return ms;
}

/** The global `--address` / `--namespace` of the command being run (set before its action by the hook below). */
let flags: TemporalOverrides = {};

/**
 * `--address` and `--namespace` on every command (before or after its name), over TEMPORAL_ADDRESS /
 * TEMPORAL_NAMESPACE and the TEMPORAL_PROFILE profile.
 */
export function addTemporalOptions(program: Command): void {
  program
    .option('--address <host:port>', 'Temporal frontend (over TEMPORAL_ADDRESS and the profile), e.g. [::1]:7233')
    .option('--namespace <namespace>', 'Temporal namespace (over TEMPORAL_NAMESPACE and the profile)')
    // Listed under "Global Options" in each command's --help (commands registered afterwards inherit this).
    .configureHelp({ ...program.configureHelp(), showGlobalOptions: true })
    .hook('preAction', (root) => {
      const { address, namespace } = root.opts<TemporalOverrides>();
      flags = { address, namespace };
    });
}

/** The `--address` / `--namespace` given to this command, for the worker's own settings. */
export function temporalFlags(): TemporalOverrides {
  return flags;
}

/** Where this command finds Temporal: the profile, the TEMPORAL_* variables, then `--address` / `--namespace`. */
export function temporalSettings(): TemporalSettings {
  return loadTemporalSettings(process.env, flags);
}

export async function withClient<T>(
  run: (client: Client, settings: TemporalSettings) => Promise<T>,
  settings: TemporalSettings = temporalSettings(),
): Promise<T> {
  const client = await connectClient(settings);
  try {
    return await run(client, settings);
  } finally {
    await client.connection.close();
  }
}

/** Ctrl-C leaves the workflows running: say how to resume, and exit without waiting for them. */
export function detachOnCtrlC(): void {
  process.once('SIGINT', () => {
    console.error('\nDetached: the workflows keep running. Run the same command again to resume and collect answers.');
    process.exit(130);
  });
}

/** `--mode poll|stream`: how each turn waits for its answer. */
export function modeOption(): Option {
  return new Option(
    '--mode <mode>',
    'poll GetResponse (the first seconds inside the submitting activity, then on durable timers), or stream the answer over SSE',
  )
    .choices(['poll', 'stream'])
    .default('poll');
}

/** `--deadline`, shown as 150s rather than in milliseconds. */
export function deadlineOption(defaultMs: number): Option {
  return new Option('--deadline <duration>', 'per-turn deadline (e.g. 150s, 2m)')
    .argParser(parseDuration)
    .default(defaultMs, `${defaultMs / 1000}s`);
}
