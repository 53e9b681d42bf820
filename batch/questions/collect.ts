/**
 * Turns csv-parse's records (and the records it skipped) into rows and problems. csv-parse's own line counter
 * counts a CRLF inside a quoted cell twice, so lines are counted here: each record starts after the previous one
 * and the blank lines skipped since, and spans the line breaks inside its cells.
 */
import type { CsvError } from 'csv-parse';
import { conversationKey } from './conversations';
import { NOT_UTF8, type Utf8Check } from './encoding';
import { columnName, readHeader, type Header } from './header';
import { StopReading, type RowProblem } from './problem';
import { checkRow, derivedId, extraCells, lineBreaks, type QuestionRow } from './row';

/** csv-parse holds at most this much of one record; a bigger one stops the read (cells over 1 MB are rejected anyway). */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

export class QuestionCollector {
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
    if (id === undefined && fields.question !== '') {
      // Identical (conversation, question) pairs are told apart by their order of occurrence.
      const base = derivedId(fields.question, fields.conversation);
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
    const { question, conversation, title } = fields;
    this.rows.push({ line: start, id, question, conversation, title, extra: extraCells(this.header, cells) });
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
      const line = row.conversation === undefined ? keyLines.get(row.id) : undefined;
      if (line === undefined) continue;
      rejected.add(row);
      const message = `id "${row.id}" is also the key of the conversation on line ${line}; use another id`;
      this.problems.push({ line: row.line, column: this.idColumn(), message });
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
