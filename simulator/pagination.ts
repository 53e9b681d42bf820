// Opaque keyset cursors. A cursor names the list it belongs to (kind + scope) and the sort key of the last
// item served, so inserts between pages neither skip nor repeat items. Anything else is INVALID_CURSOR.
import { ApiError } from './http-io';

export interface Position {
  /** Primary sort key (a timestamp, or 0 when the list sorts by `key` alone). */
  at: number;
  /** Tie-breaker: an ID or a creation order. */
  key: string | number;
}

interface CursorPayload extends Position {
  v: 1;
  kind: string;
  scope: string;
}

export function encodeCursor(kind: string, scope: string, position: Position): string {
  const payload: CursorPayload = { v: 1, kind, scope, at: position.at, key: position.key };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string, kind: string, scope: string): Position {
  const invalid = new ApiError(400, 'INVALID_CURSOR', 'The pagination cursor is invalid.');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const p = payload as Partial<CursorPayload> | null;
  if (!p || p.v !== 1 || p.kind !== kind || p.scope !== scope || typeof p.at !== 'number') throw invalid;
  if (typeof p.key !== 'string' && typeof p.key !== 'number') throw invalid;
  return { at: p.at, key: p.key };
}

/** limit is documented as 1-100, default 20. Out-of-range values are clamped rather than rejected. */
export function parseLimit(raw: string | null): number {
  if (raw === null || raw.trim() === '') return 20;
  const n = Number(raw);
  if (!Number.isFinite(n)) return 20;
  return Math.min(100, Math.max(1, Math.floor(n)));
}

function compare(a: Position, b: Position): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.key === b.key) return 0;
  return a.key < b.key ? -1 : 1;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of `items` (already sorted in `direction`) after the cursor's position.
 * `positionOf` gives each item's sort key.
 */
export function paginate<T>(
  items: T[],
  options: {
    kind: string;
    scope: string;
    cursor: string | null;
    limit: number;
    direction: 'asc' | 'desc';
    positionOf: (item: T) => Position;
  },
): Page<T> {
  const { kind, scope, limit, direction, positionOf } = options;
  let rest = items;
  if (options.cursor !== null) {
    const after = decodeCursor(options.cursor, kind, scope);
    const sign = direction === 'asc' ? 1 : -1;
    rest = items.filter((item) => sign * compare(positionOf(item), after) > 0);
  }
  const page = rest.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rest.length > limit && last !== undefined ? encodeCursor(kind, scope, positionOf(last)) : null;
  return { items: page, nextCursor };
}
