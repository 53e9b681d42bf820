/** Helpers every command shares: option parsers and a Temporal client that is always closed. */
import { InvalidArgumentError, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { loadTemporalSettings, type TemporalSettings } from '../../config/temporal';
import { connectClient } from '../../batch/start';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

/** `150s`, `2m`, `1500ms` or a bare number of seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be a duration such as 150s, 2m or 1500ms');
  const unit = match[2] ?? 's';
  return Math.round(Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

export async function withClient<T>(
  run: (client: Client, settings: TemporalSettings) => Promise<T>,
  settings: TemporalSettings = loadTemporalSettings(),
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
