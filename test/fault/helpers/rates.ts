/** Measuring what the simulator saw: request rates per window, and how long retries waited after a 429. */
import type { RecordedRequest } from '../../../simulator';

/** The largest number of timestamps (sorted, ms) in any half-open window [t, t + windowMs); and where it starts. */
export function peakInWindow(times: number[], windowMs: number): { peak: number; startMs: number } {
  let best = { peak: 0, startMs: times[0] ?? 0 };
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    if (end - start + 1 > best.peak) best = { peak: end - start + 1, startMs: times[start]! };
  }
  return best;
}

/** Requests of one activity share this key across attempts: the path plus the POST body's title or question. */
function attemptKey(r: RecordedRequest): string {
  const body = r.body as { title?: unknown; input?: { text?: unknown } } | undefined;
  return `${r.method} ${r.path} ${String(body?.title ?? body?.input?.text ?? '')}`;
}

export interface RetryGap {
  /** Time from the 429 to the next request of the same call, ms. */
  gapMs: number;
  /** How many 429s in a row this call had got, this one included (1 for the first). */
  consecutive: number;
  /** What the 429 asked for (Retry-After), when it said. */
  retryAfterMs?: number;
}

/**
 * For every 429 after which the same call (same method, path and body) reached the simulator again: the time it
 * waited. A POST retried after a 429 on the same worker goes straight to the POST (no reconciling look-up), so the
 * next request with the same key is the retry.
 */
export function retryGapsAfter429(requests: RecordedRequest[]): RetryGap[] {
  const byCall = new Map<string, RecordedRequest[]>();
  for (const r of requests) {
    const key = attemptKey(r);
    const list = byCall.get(key) ?? [];
    list.push(r);
    byCall.set(key, list);
  }
  const gaps: RetryGap[] = [];
  for (const list of byCall.values()) {
    let consecutive = 0;
    for (const [i, r] of list.entries()) {
      consecutive = r.status === 429 ? consecutive + 1 : 0;
      const next = list[i + 1];
      if (r.status === 429 && next) gaps.push({ gapMs: next.at - r.at, consecutive, retryAfterMs: r.retryAfterMs });
    }
  }
  return gaps;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
