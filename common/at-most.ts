/**
 * Work over a list at most `limit` items at a time, the next as soon as one ends (the sliding window of Temporal's
 * batch samples). Plain promises, no clock: workflow code may use it (a group's questions, workflows/question-group.ts)
 * as activities do (activities/open-conversations.ts).
 */

/** `fn` over every item, at most `limit` running at once (at least one); the results in the items' order. */
export async function mapAtMost<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return results;
}
