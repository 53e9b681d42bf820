/** The header line: which cells hold the four known columns, and which are passed through as extras. */
import type { RowProblem } from './problem';

export type KnownColumn = 'id' | 'question' | 'conversation' | 'title';
const KNOWN: readonly string[] = ['id', 'question', 'conversation', 'title'];

export interface Header {
  /** The header names exactly as the user wrote them, in file order. */
  columns: string[];
  /** Cell index of each known column present (matched trimmed and case-insensitive). */
  known: Partial<Record<KnownColumn, number>>;
  /** Every other column, keyed by its original name. */
  extras: { name: string; index: number }[];
}

export function readHeader(cells: string[], problems: RowProblem[]): Header {
  const header: Header = { columns: cells, known: {}, extras: [] };
  const seen = new Map<string, number>();
  cells.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (key === '') {
      problems.push({ line: 1, message: `column ${index + 1} has no name (name it or delete the column)` });
      return;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        line: 1,
        column: name,
        message: `duplicate column name (columns ${first + 1} and ${index + 1})`,
      });
      return;
    }
    seen.set(key, index);
    if (KNOWN.includes(key)) header.known[key as KnownColumn] = index;
    else header.extras.push({ name, index });
  });
  if (header.known.question === undefined) {
    problems.push({ line: 1, column: 'question', message: 'missing the required column "question"' });
  }
  return header;
}

/** The name to print for a cell: its header name when there is one. */
export function columnName(header: Header | undefined, index: number): string {
  const name = header?.columns[index];
  return name === undefined || name.trim() === '' ? `column ${index + 1}` : name;
}
