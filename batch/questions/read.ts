/**
 * Reading a question file, in one streaming pass and in the order it happens: the raw bytes are hashed and checked
 * as UTF-8 (utf8.ts), csv-parse splits them into records, the first record is the header, every later one is
 * checked as a row and given its id. What is wrong is collected as problems tied to lines, never thrown: the user
 * sees every problem of the file at once.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import type { TurnInput } from '../../common/types';
import { conversationKey, derivedId } from './conversations';
import { NOT_UTF8, Utf8Check } from './utf8';

/**
 * One valid row: a turn input plus what it shares with its conversation and the cells passed through. Its `rowId`
 * is the `id` cell, or one derived from its question and conversation (stable under edits of other rows).
 */
export interface QuestionRow extends TurnInput {
  /** 1-based line where the record starts (the header is line 1). */
  line: number;
  /** Rows sharing it are turns of one conversation, in file order. */
  conversation?: string;
  title?: string;
  /** Every other column, passed through to the results. */
  extra: Record<string, string>;
}

/** A problem found in the question file, tied to the line where its row starts (the header is line 1). */
export interface RowProblem {
  line: number;
  column?: string;
  message: string;
}

/** `line:column: message`, or `line: message` when the problem is not about one column. */
export function formatProblem(p: RowProblem): string {
  return p.column === undefined ? `${p.line}: ${p.message}` : `${p.line}:${p.column}: ${p.message}`;
}

export interface QuestionFile {
  path: string;
  /** Header names exactly as in the file, in file order. */
  columns: string[];
  /** The valid rows only: a row with any problem is left out. */
  rows: QuestionRow[];
  /** Every problem found, in line order. Empty when the whole file is good. */
  problems: RowProblem[];
  /** Hex sha256 of the raw file bytes. */
  sha256: string;
}

/** csv-parse holds at most this much of one record; a bigger one stops the read (cells over 1 MB are rejected anyway). */
const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** Thrown inside the parse to stop reading after a problem that makes the rest of the file unreadable. */
class StopReading extends Error {
  override name = 'StopReading';
}

/** Throws only when the file cannot be read at all (missing, a directory, no permission). */
export async function readQuestionFile(path: string): Promise<QuestionFile> {
  const hash = createHash('sha256');
  let hashedBytes = 0;
  const encoding = new Utf8Check();
  const collector = new QuestionCollector(encoding);

  async function* checkedBytes(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      hashedBytes += chunk.length;
      if (encoding.fatal) continue; // keep hashing the file, stop parsing it
      const usable = encoding.feed(chunk);
      if (usable > 0) yield usable === chunk.length ? chunk : chunk.subarray(0, usable);
    }
    encoding.end();
  }

  const parser = parse({
    bom: true,
    relax_column_count: false,
    // CRLF, LF and a lone CR all end a record, even mixed in one file (the line counts rely on it)
    record_delimiter: ['\r\n', '\n', '\r'],
    // a stray quote inside an unquoted cell (What is "SSO"?) is kept as text, as spreadsheets do
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    // Records are handled synchronously, in order with the skipped ones, and none is kept by the parser.
    on_record: (record: string[], info) => {
      collector.onRecord(record, info.empty_lines);
      return null;
    },
    on_skip: (err) => {
      if (err instanceof CsvError) collector.onSkip(err, parser.info.empty_lines);
      return undefined;
    },
  });

  let stopped = false;
  try {
    const sink = new Writable({ objectMode: true, write: (_record, _enc, done) => done() });
    await pipeline(Readable.from(checkedBytes()), parser, sink);
  } catch (err) {
    if (!(err instanceof StopReading)) throw err;
    stopped = true;
    for await (const chunk of createReadStream(path, { start: hashedBytes }) as AsyncIterable<Buffer>)
      hash.update(chunk);
  }
  collector.finish(stopped);
  return {
    path,
    columns: collector.header?.columns ?? [],
    rows: collector.rows,
    problems: collector.problems,
    sha256: hash.digest('hex'),
  };
}

/**
 * Turns csv-parse's records (and the records it skipped) into rows and problems. csv-parse's own line counter
 * counts a CRLF inside a quoted cell twice, so lines are counted here: each record starts after the previous one
 * and the blank lines skipped since, and spans the line breaks inside its cells.
 */
class QuestionCollector {
  readonly problems: RowProblem[] = [];
  rows: QuestionRow[] = [];
  header?: Header;
  private nextLine = 1;
  private emptySeen = 0;
  private dataRecords = 0;
  private readonly firstLineOfId = new Map<string, number>();
  private readonly occurrences = new Map<string, number>();

  constructor(private readonly encoding: Utf8Check) {}

  onRecord(cells: string[], emptyLines: number): void {
    const { start, end } = this.place(cells, emptyLines);
    if (this.afterFatal(start)) return;
    const before = this.problems.length;
    if (this.encoding.hasBadLine(start, end)) {
      const bad = this.header ? cells.findIndex((cell) => cell.includes('\uFFFD')) : -1;
      this.problems.push({
        line: start,
        column: bad >= 0 ? columnName(this.header, bad) : undefined,
        message: NOT_UTF8,
      });
    }
    if (this.header === undefined) {
      this.header = readHeader(cells, this.problems);
      return;
    }
    this.dataRecords += 1;
    const fields = checkRow(this.header, cells, start, this.problems);
    if (fields === undefined) return;
    let id = fields.id;
    if (id === undefined && (fields.question !== '' || fields.callback_id !== undefined)) {
      // Identical (conversation, question) pairs are told apart by their order of occurrence.
      const base = derivedId(fields.question, fields.conversation, fields.callback_id);
      const n = (this.occurrences.get(base) ?? 0) + 1;
      this.occurrences.set(base, n);
      id = n === 1 ? base : `${base}-${n}`;
    }
    if (id === undefined) return;
    const first = this.firstLineOfId.get(id);
    if (first === undefined) {
      this.firstLineOfId.set(id, start);
    } else {
      const message = `duplicate id "${id}" (already used on line ${first})`;
      this.problems.push({ line: start, column: this.idColumn(), message });
    }
    if (this.problems.length > before) return;
    const { question, conversation, title, callback_id: callbackId } = fields;
    const extra = extraCells(this.header, cells);
    this.rows.push({ line: start, rowId: id, question, conversation, title, extra, ...(callbackId && { callbackId }) });
  }

  /** A record csv-parse refused. Throws StopReading when the rest of the file cannot be read. */
  onSkip(err: CsvError, emptyLines: number): void {
    const record = Array.isArray(err.record) ? (err.record as string[]) : undefined;
    const { start, end } = this.place(record, emptyLines);
    if (this.afterFatal(start)) return;
    switch (err.code) {
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        this.dataRecords += 1;
        if (this.encoding.hasBadLine(start, end)) this.problems.push({ line: start, message: NOT_UTF8 });
        const cells = record?.length ?? 0;
        const expected = this.header?.columns.length ?? 0;
        const hint = cells > expected ? ' (quote cells that contain commas)' : '';
        this.problems.push({
          line: start,
          message: `has ${cells} ${cells === 1 ? 'cell' : 'cells'} but the header has ${expected}${hint}`,
        });
        return;
      }
      case 'CSV_QUOTE_NOT_CLOSED':
        // When the encoding check cut the file short, the cut may fall inside a quoted cell: not the user's quote.
        if (this.encoding.fatal) return;
        this.problems.push({
          line: start,
          message: 'a quoted cell starting on this row is never closed (a " is missing)',
        });
        return;
      case 'CSV_MAX_RECORD_SIZE': {
        const column = typeof err.column === 'number' ? columnName(this.header, err.column) : undefined;
        const mb = MAX_RECORD_BYTES / 1024 / 1024;
        this.problems.push({
          line: start,
          column,
          message: `row is larger than ${mb} MB; the rest of the file was not checked`,
        });
        throw new StopReading();
      }
      default:
        this.problems.push({
          line: start,
          message: `cannot be read as CSV (${err.message}); the rest of the file was not checked`,
        });
        throw new StopReading();
    }
  }

  /** After the last record: file-level problems, id/key collisions, problems in line order. */
  finish(stopped: boolean): void {
    const fatal = this.encoding.fatal;
    if (fatal) this.problems.push({ line: fatal.line, message: fatal.message });
    if (!fatal && !stopped) {
      if (this.header === undefined) this.problems.push({ line: 1, message: 'no rows: the file is empty' });
      else if (this.dataRecords === 0)
        this.problems.push({ line: 1, message: 'no rows: the file has a header but no questions' });
    }
    this.rejectKeyCollisions();
    this.rejectFirstTurnPresses();
    this.problems.sort((a, b) => a.line - b.line);
  }

  /** A lone row's id is its workflow's conversation key: it must not equal the key of a named conversation. */
  private rejectKeyCollisions(): void {
    const keyLines = new Map<string, number>();
    for (const row of this.rows) {
      if (row.conversation === undefined) continue;
      const key = conversationKey(row.conversation);
      if (!keyLines.has(key)) keyLines.set(key, row.line);
    }
    if (keyLines.size === 0) return;
    const rejected = new Set<QuestionRow>();
    for (const row of this.rows) {
      const line = row.conversation === undefined ? keyLines.get(row.rowId) : undefined;
      if (line === undefined) continue;
      rejected.add(row);
      const message = `id "${row.rowId}" is also the key of the conversation on line ${line}; use another id`;
      this.problems.push({ line: row.line, column: this.idColumn(), message });
    }
    if (rejected.size > 0) this.rows = this.rows.filter((row) => !rejected.has(row));
  }

  /** A button press needs an answer before it in its conversation: the first row of one cannot press. */
  private rejectFirstTurnPresses(): void {
    const started = new Set<string>();
    const rejected = new Set<QuestionRow>();
    for (const row of this.rows) {
      const first = row.conversation === undefined || !started.has(row.conversation);
      if (row.conversation !== undefined) started.add(row.conversation);
      if (!first || row.callbackId === undefined) continue;
      rejected.add(row);
      const index = this.header?.known.callback_id;
      this.problems.push({
        line: row.line,
        column: index === undefined ? 'callback_id' : columnName(this.header, index),
        message:
          'callback_id presses a button of the previous answer, so the row needs an earlier row in the same ' +
          'conversation (set its conversation column)',
      });
    }
    if (rejected.size > 0) this.rows = this.rows.filter((row) => !rejected.has(row));
  }

  private place(cells: string[] | undefined, emptyLines: number): { start: number; end: number } {
    const start = this.nextLine + (emptyLines - this.emptySeen);
    this.emptySeen = emptyLines;
    const end = start + (cells ? lineBreaks(cells) : 0);
    this.nextLine = end + 1;
    return { start, end };
  }

  /** Records from the line of a fatal encoding problem on are parts of a file cut short: not worth reporting. */
  private afterFatal(start: number): boolean {
    const fatal = this.encoding.fatal;
    return fatal !== undefined && start >= fatal.line;
  }

  private idColumn(): string | undefined {
    const index = this.header?.known.id;
    return index === undefined ? undefined : columnName(this.header, index);
  }
}

// The header line: which cells hold the known columns, and which are passed through as extras.

type KnownColumn = 'id' | 'question' | 'conversation' | 'title' | 'callback_id';
const KNOWN: readonly string[] = ['id', 'question', 'conversation', 'title', 'callback_id'];

interface Header {
  /** The header names exactly as the user wrote them, in file order. */
  columns: string[];
  /** Cell index of each known column present (matched trimmed and case-insensitive). */
  known: Partial<Record<KnownColumn, number>>;
  /** Every other column, keyed by its original name. */
  extras: { name: string; index: number }[];
}

function readHeader(cells: string[], problems: RowProblem[]): Header {
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
function columnName(header: Header | undefined, index: number): string {
  const name = header?.columns[index];
  return name === undefined || name.trim() === '' ? `column ${index + 1}` : name;
}

// One data record: its cells checked with zod against the limits below.

const MAX_CELL_BYTES = 1024 * 1024;
const MAX_TITLE_CHARS = 256;
const MAX_ID_CHARS = 200;
const MAX_CALLBACK_ID_CHARS = 4096;

/** The known cells, trimmed; blank optional cells are absent. */
interface RowFields {
  id?: string;
  question: string;
  conversation?: string;
  title?: string;
  callback_id?: string;
}

const rowSchema = z
  .object({
    id: z
      .string()
      .max(MAX_ID_CHARS, `id is longer than ${MAX_ID_CHARS} characters`)
      // ids end up in workflow IDs and in the results files
      .regex(/^[^\p{Cc}]*$/u, 'id contains a line break or control character')
      .optional(),
    question: z.string(),
    conversation: z.string().optional(),
    title: z.string().max(MAX_TITLE_CHARS, `title is longer than ${MAX_TITLE_CHARS} characters`).optional(),
    callback_id: z
      .string()
      .max(MAX_CALLBACK_ID_CHARS, `callback_id is longer than ${MAX_CALLBACK_ID_CHARS} characters`)
      .regex(/^[^\p{Cc}]*$/u, 'callback_id contains a line break or control character')
      .optional(),
  })
  // A button press needs no question: the question cell then only describes it in the results.
  .refine((row) => row.question !== '' || row.callback_id !== undefined, {
    path: ['question'],
    message: 'question is empty',
    when: () => true, // also when another cell of the row is wrong: every problem is reported at once
  });

/**
 * Checks one record against the header and pushes its problems. Returns its fields even when they are invalid
 * (ids and duplicates are tracked over every row), or undefined when the file has no question column.
 */
function checkRow(header: Header, cells: string[], line: number, problems: RowProblem[]): RowFields | undefined {
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
    callback_id: cell('callback_id'),
  };
  const parsed = rowSchema.safeParse(fields);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const key = issue.path[0] as KnownColumn;
    const index = header.known[key];
    problems.push({ line, column: index === undefined ? key : columnName(header, index), message: issue.message });
  }
  return fields;
}

/** Rows of a file without extra columns share one frozen empty object: 100,000 rows would hold 5 MB of them. */
const NO_EXTRAS: Record<string, string> = Object.freeze({});

function extraCells(header: Header, cells: string[]): Record<string, string> {
  if (header.extras.length === 0) return NO_EXTRAS;
  const extra: Record<string, string> = {};
  for (const { name, index } of header.extras) extra[name] = cells[index] ?? '';
  return extra;
}

/** Numbers of line breaks (CRLF, LF or a lone CR) inside the cells: a quoted cell may span lines. */
function lineBreaks(cells: string[]): number {
  let n = 0;
  for (const cell of cells) {
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && cell.charCodeAt(i + 1) !== 0x0a)) n += 1;
    }
  }
  return n;
}
