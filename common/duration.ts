/**
 * Durations as people write them, everywhere this project reads one (`--deadline`, `--every`, a gateway's `wait`, a
 * library request's `deadline`): Temporal's own syntax (`1500ms`, `150s`, `2m`, `2h`, `1d`; the `ms` library through
 * @temporalio/common) or a bare number of seconds.
 */
import type { StringValue } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/** Milliseconds, or undefined when the text is not a duration (negative ones included). */
export function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number;
  try {
    ms = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : msToNumber(trimmed as StringValue);
  } catch {
    return undefined;
  }
  return ms >= 0 ? Math.round(ms) : undefined;
}

export const DURATION_EXAMPLES = '150s, 2m, 2h or 1500ms';
