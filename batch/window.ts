/**
 * The sliding window of a batch: work units started one after another, each as soon as the conversations already
 * in flight leave room for it (a group of N questions weighs N), so that no more than `limit` are ever in flight.
 */

/** One unit of work: a conversation's workflow (weight 1) or a group's (weight N). */
export interface Work {
  weight: number;
  run: () => Promise<void>;
}

/** The next unit; undefined when there is none left. */
export type NextWork = () => Work | undefined;

/**
 * Runs the units `next` gives, at most `limit` of weight at once; a unit heavier than `limit` runs alone. Rejects
 * with the first unit that rejects (the ones already started go on), as the batch stops on a refused input.
 */
export async function runInWindow(next: NextWork, limit: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let weightInFlight = 0;
  const waitWhile = async (full: () => boolean) => {
    while (inFlight.size > 0 && full()) await Promise.race(inFlight);
  };
  for (let work = next(); work !== undefined; work = next()) {
    const { weight, run } = work;
    await waitWhile(() => weightInFlight + weight > limit);
    weightInFlight += weight;
    const task = run().finally(() => {
      inFlight.delete(task);
      weightInFlight -= weight;
    });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
}
