// Rate limiting and per-request fault decisions.
import type { SimulatorConfig } from './config';
import type { Rng } from './random';

/**
 * A token bucket over every API request together (one budget for the whole tenant; the API does not document
 * the scope). Time comes from the simulator clock so tests can move it.
 */
export class TokenBucket {
  private tokens = 0;
  private last = 0;
  private signature = '';

  /** Takes one token, or returns how many ms until one is available. */
  take(now: number, limit: NonNullable<SimulatorConfig['rateLimit']>): { ok: true } | { ok: false; waitMs: number } {
    const burst = limit.burst ?? Math.max(1, Math.ceil(limit.rps));
    const signature = `${limit.rps}/${burst}`;
    if (signature !== this.signature) {
      // New or changed limit: start full.
      this.signature = signature;
      this.tokens = burst;
      this.last = now;
    }
    this.tokens = Math.min(burst, this.tokens + (Math.max(0, now - this.last) / 1000) * limit.rps);
    this.last = Math.max(this.last, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: ((1 - this.tokens) / limit.rps) * 1000 };
  }

  reset(): void {
    this.signature = '';
  }
}

export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** Retry-After per config: whole seconds rounded up (at least 1), an HTTP-date, or nothing. */
export function retryAfterHeaders(
  mode: SimulatorConfig['retryAfter'],
  waitMs: number,
  now: number,
): Record<string, string> {
  const seconds = retryAfterSeconds(waitMs);
  if (mode === 'seconds') return { 'retry-after': String(seconds) };
  if (mode === 'http-date') return { 'retry-after': new Date(now + seconds * 1000).toUTCString() };
  return {};
}

export interface RequestFaults {
  rate429: boolean;
  serverError: 500 | 503 | null;
  hang: boolean;
  malformedJson: boolean;
  commitThenDrop: boolean;
}

/** Draws exactly six numbers per request, whatever the knobs say, so decisions replay with the same seed. */
export function drawRequestFaults(rng: Rng, config: SimulatorConfig): RequestFaults {
  const [u429, u5xx, uKind, uHang, uMalformed, uDrop] = [rng(), rng(), rng(), rng(), rng(), rng()];
  return {
    rate429: u429 < config.rate429,
    serverError: u5xx < config.rate5xx ? (uKind < 0.5 ? 500 : 503) : null,
    hang: uHang < config.hangRate,
    malformedJson: uMalformed < config.malformedJsonRate,
    commitThenDrop: uDrop < config.commitThenDropRate,
  };
}

export const noFaults: RequestFaults = {
  rate429: false,
  serverError: null,
  hang: false,
  malformedJson: false,
  commitThenDrop: false,
};
