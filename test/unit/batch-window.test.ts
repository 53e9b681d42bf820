/** The batch's sliding window (batch/window.ts): never more than --concurrency conversations in flight. */
import { describe, expect, it } from 'vitest';
import { runInWindow, type Work } from '../../batch/window';

/** Units of the given weights, each finishing when the test says; records the weight in flight at every start. */
function units(weights: number[]) {
  const finish: (() => void)[] = [];
  const inFlightAtStart: number[] = [];
  let inFlight = 0;
  const queue: Work[] = weights.map((weight) => ({
    weight,
    run: () =>
      new Promise<void>((resolve) => {
        inFlight += weight;
        inFlightAtStart.push(inFlight);
        finish.push(() => {
          inFlight -= weight;
          resolve();
        });
      }),
  }));
  return { next: () => queue.shift(), finish, inFlightAtStart };
}

/** Lets the window react to what just finished. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('runInWindow', () => {
  it('starts a group only when it fits: groups of 20 in a window of 50 never make 60 in flight', async () => {
    const { next, finish, inFlightAtStart } = units([20, 20, 20, 20, 10]);
    const done = runInWindow(next, 50);
    await settle();
    expect(inFlightAtStart).toEqual([20, 40]);
    finish[0]!();
    await settle();
    expect(inFlightAtStart).toEqual([20, 40, 40]);
    finish[1]!();
    await settle();
    expect(inFlightAtStart).toEqual([20, 40, 40, 40, 50]);
    for (const f of finish.slice(2)) f();
    await done;
    expect(Math.max(...inFlightAtStart)).toBeLessThanOrEqual(50);
  });

  it('keeps single conversations at the limit, and runs a unit heavier than the window alone', async () => {
    const { next, finish, inFlightAtStart } = units([1, 1, 1, 5, 1]);
    const done = runInWindow(next, 3);
    await settle();
    expect(inFlightAtStart).toEqual([1, 2, 3]);
    for (const f of finish.splice(0, 3)) f();
    await settle();
    expect(inFlightAtStart).toEqual([1, 2, 3, 5]);
    finish.shift()!();
    await settle();
    expect(inFlightAtStart.at(-1)).toBe(1);
    finish.shift()!();
    await done;
  });
});
