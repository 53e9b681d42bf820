/** Waiting on a condition (never on a fixed sleep): poll until it holds or the deadline passes. */
import { setTimeout as delay } from 'node:timers/promises';

export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}
