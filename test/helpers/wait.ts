/** Waiting on a condition (never on a fixed sleep): poll until it holds or the deadline passes. */
import { setTimeout as delay } from 'node:timers/promises';

type Check<T> = () => T | undefined | false | Promise<T | undefined | false>;

export async function waitFor<T>(what: string, check: Check<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}
