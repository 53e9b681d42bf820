/**
 * Something a test file starts once, before its first test, and closes after its last one (a simulator, a stack),
 * handed out at the top of the file as a stand-in: reading a property of the stand-in reads it from the real thing,
 * which exists from the file's first beforeAll on. So `const sim = useSimulator()` at the top of a file is used
 * as `sim.configure(…)` in its tests, with no `let` and no hooks in the file.
 */
import { afterAll, beforeAll } from 'vitest';

export function useForFile<T extends object>(
  what: string,
  start: () => Promise<T>,
  close: (started: T) => Promise<void>,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started) await close(started);
  });
  return new Proxy({} as T, {
    get(_standIn, key) {
      if (!started)
        throw new Error(`${what} starts in beforeAll: use it in a test or a hook, not while the file loads`);
      const value: unknown = Reflect.get(started, key);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
