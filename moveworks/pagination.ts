/**
 * Opaque-cursor pagination (`?cursor=` in, `metadata.next_cursor` out) as async iteration:
 *   for await (const c of client.listConversations({ limit: 50 })) ...   // every item, page by page
 *   for await (const page of client.listConversations().pages()) ...      // whole pages
 * Nothing is fetched until iteration starts; each iteration starts again from the first page.
 */
import { MalformedResponseError } from './errors';

export interface Page<T> {
  readonly items: T[];
  /** Cursor of the next page; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

export class PagedIterable<T> implements AsyncIterable<T> {
  readonly #fetchPage: PageFetcher<T>;
  readonly #startCursor: string | undefined;

  constructor(fetchPage: PageFetcher<T>, startCursor?: string) {
    this.#fetchPage = fetchPage;
    this.#startCursor = startCursor;
  }

  /** Pages in order, stopping after the page whose next_cursor is null, absent or empty. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor = this.#startCursor;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.#fetchPage(cursor);
      yield page;
      if (page.nextCursor === undefined) return;
      // A server that hands back a cursor twice would loop forever; fail loudly instead.
      if (seen.has(page.nextCursor)) {
        throw new MalformedResponseError(`pagination cursor repeated: ${page.nextCursor.slice(0, 40)}`);
      }
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Only the first page (one request). */
  async firstPage(): Promise<Page<T>> {
    return this.#fetchPage(this.#startCursor);
  }

  /** Collects items, stopping once `max` are gathered (no further page is fetched). */
  async toArray(max = Infinity): Promise<T[]> {
    const out: T[] = [];
    if (max <= 0) return out;
    for await (const item of this) {
      out.push(item);
      if (out.length >= max) break;
    }
    return out;
  }
}

/** Normalises `metadata.next_cursor`: null, absent and "" all mean "no more pages". */
export function nextCursorOf(metadata: { next_cursor?: string | null } | null | undefined): string | undefined {
  const cursor = metadata?.next_cursor;
  return cursor ? cursor : undefined;
}
