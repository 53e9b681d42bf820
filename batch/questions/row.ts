/** One data record: checked with zod, given its id, turned into a QuestionRow. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { columnName, type Header, type KnownColumn } from './header';
import type { RowProblem } from './problem';

export interface QuestionRow {
  /** 1-based line where the record starts (the header is line 1). */
  line: number;
  /** The `id` cell, or a derived key that is stable under edits of other rows. */
  id: string;
  question: string;
  /** Rows sharing it are turns of one conversation, in file order. */
  conversation?: string;
  title?: string;
  /** Every other column, passed through to the results. */
  extra: Record<string, string>;
}

export const MAX_CELL_BYTES = 1024 * 1024;
export const MAX_TITLE_CHARS = 256;
export const MAX_ID_CHARS = 200;

/** The four known cells, trimmed; blank optional cells are absent. */
export interface RowFields {
  id?: string;
  question: string;
  conversation?: string;
  title?: string;
}

const rowSchema = z.object({
  id: z
    .string()
    .max(MAX_ID_CHARS, `id is longer than ${MAX_ID_CHARS} characters`)
    // ids end up in workflow IDs and in the results files
    .regex(/^[^\p{Cc}]*$/u, 'id contains a line break or control character')
    .optional(),
  question: z.string().min(1, 'question is empty'),
  conversation: z.string().optional(),
  title: z.string().max(MAX_TITLE_CHARS, `title is longer than ${MAX_TITLE_CHARS} characters`).optional(),
});

/** `q-` + 12 hex of sha256(conversation NUL question): depends on this row only, not on its neighbours. */
export function derivedId(question: string, conversation: string | undefined): string {
  const digest = createHash('sha256')
    .update(`${conversation ?? ''}\u0000${question}`)
    .digest('hex');
  return `q-${digest.slice(0, 12)}`;
}

/** Numbers of line breaks (CRLF, LF or a lone CR) inside the cells: a quoted cell may span lines. */
export function lineBreaks(cells: string[]): number {
  let n = 0;
  for (const cell of cells) {
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && cell.charCodeAt(i + 1) !== 0x0a)) n += 1;
    }
  }
  return n;
}

/**
 * Checks one record against the header and pushes its problems. Returns its fields even when they are invalid
 * (ids and duplicates are tracked over every row), or undefined when the file has no question column.
 */
export function checkRow(header: Header, cells: string[], line: number, problems: RowProblem[]): RowFields | undefined {
  cells.forEach((cell, index) => {
    if (cell.length * 3 > MAX_CELL_BYTES && Buffer.byteLength(cell) > MAX_CELL_BYTES) {
      const mb = (Buffer.byteLength(cell) / MAX_CELL_BYTES).toFixed(1);
      problems.push({ line, column: columnName(header, index), message: `cell is larger than 1 MB (${mb} MB)` });
    }
  });
  if (header.known.question === undefined) return undefined;
  const cell = (column: KnownColumn): string | undefined => {
    const index = header.known[column];
    const value = index === undefined ? undefined : cells[index]?.trim();
    return value === '' ? undefined : value;
  };
  const fields: RowFields = {
    id: cell('id'),
    question: cell('question') ?? '',
    conversation: cell('conversation'),
    title: cell('title'),
  };
  const parsed = rowSchema.safeParse(fields);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = issue.path[0] as KnownColumn;
    const index = header.known[key];
    problems.push({ line, column: index === undefined ? key : columnName(header, index), message: issue.message });
  }
  return fields;
}

export function extraCells(header: Header, cells: string[]): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const { name, index } of header.extras) extra[name] = cells[index] ?? '';
  return extra;
}
