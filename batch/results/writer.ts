/**
 * The files of a results folder. results.csv follows the journal (results.jsonl, journal.ts) and is rebuilt from
 * it whenever the two disagree after a crash; the ResultsWriter keeps both, with only a small index (row id →
 * status and place in the journal) in memory: answers stay on disk. rejected.csv lists the rows --skip-invalid
 * left out.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { PRIVATE_DIR, PRIVATE_FILE_MODE } from '../../common/private-files';
import type { TurnStatus } from '../../common/types';
import type { RowProblem } from '../questions';
import {
  AtomicFile,
  appendToJournal,
  fileSize,
  journalLines,
  JOURNAL_FILE,
  readJournalLine,
  recoverJournal,
  syncDir,
  tempPath,
  writeAll,
  writeFileAtomic,
  type IndexEntry,
} from './journal';
import { csvText, unneutralisedCell } from '../../common/csv';
import { checkRecord, CsvLayout, parseRecord, RESULT_COLUMNS, type ResultRecord } from './record';

export const CSV_FILE = 'results.csv';
export const REJECTED_FILE = 'rejected.csv';

export class ResultsWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private broken?: unknown;

  private constructor(
    readonly dir: string,
    private readonly layout: CsvLayout,
    private journal: FileHandle,
    private csv: FileHandle,
    private index: Map<string, IndexEntry>,
    private journalSize: number,
  ) {}

  /** Creates the folder when needed and repairs what a crash left behind. */
  static async open(dir: string, inputColumns: string[]): Promise<ResultsWriter> {
    await mkdir(dir, PRIVATE_DIR);
    const journalPath = join(dir, JOURNAL_FILE);
    const csvPath = join(dir, CSV_FILE);
    // Left by a finalize() that did not finish; the files they were to replace are still whole.
    await rm(tempPath(journalPath), { force: true });
    await rm(tempPath(csvPath), { force: true });
    const layout = new CsvLayout(inputColumns);
    const { index, records, size } = await recoverJournal(journalPath);
    if (!(await csvMatchesJournal(csvPath, layout, records))) {
      await writeFileAtomic(csvPath, async (out) => {
        await out.write(layout.headerText());
        for await (const line of journalLines(journalPath)) {
          const record = parseRecord(line.text);
          if (record) await out.write(layout.row(record));
        }
      });
    }
    const journal = await open(journalPath, 'a+', PRIVATE_FILE_MODE);
    const csv = await open(csvPath, 'a', PRIVATE_FILE_MODE);
    return new ResultsWriter(dir, layout, journal, csv, index, size);
  }

  /** A result for this row is already recorded. */
  has(rowId: string): boolean {
    return this.index.has(rowId);
  }

  /** Every row with a recorded result, in the order first recorded. */
  rowIds(): IterableIterator<string> {
    return this.index.keys();
  }

  /** The status of the last result recorded for this row, without reading it from disk. */
  status(rowId: string): TurnStatus | undefined {
    return this.index.get(rowId)?.status;
  }

  /** The status of each row's last recorded result, in the order the rows were first recorded. */
  *statuses(): Generator<TurnStatus> {
    for (const entry of this.index.values()) yield entry.status;
  }

  /** The last result recorded for this row, read back from the journal. */
  get(rowId: string): ResultRecord | undefined {
    const entry = this.index.get(rowId);
    if (entry === undefined) return undefined;
    if (this.closed) throw new Error('results writer is closed');
    return parseRecord(readJournalLine(this.journal, entry));
  }

  /** Appends results in one journal write + fdatasync, then one results.csv write. A retried row may appear twice. */
  append(records: ResultRecord[]): Promise<void> {
    return this.serially(async () => {
      if (records.length === 0) return;
      records.forEach(checkRecord);
      let lengths;
      try {
        lengths = await appendToJournal(this.journal, records);
        await writeAll(this.csv, Buffer.from(records.map((record) => this.layout.row(record)).join('')));
      } catch (err) {
        // The files may now hold part of this append: the next open() repairs them, this writer stops.
        this.broken = err;
        throw err;
      }
      let offset = this.journalSize;
      records.forEach((record, i) => {
        const length = lengths[i]!;
        this.index.set(record.rowId, { status: record.status, offset, length });
        offset += length + 1;
      });
      this.journalSize = offset;
    });
  }

  /**
   * Rewrites both files with one row per row id (the last recorded wins): in `order` when given, rows not in it
   * after those, in order of first appearance. Each file is written to a temporary name, fsynced and renamed.
   */
  finalize(order?: string[]): Promise<void> {
    return this.serially(async () => {
      const journalPath = join(this.dir, JOURNAL_FILE);
      const csvPath = join(this.dir, CSV_FILE);
      const jsonl = await AtomicFile.create(journalPath);
      const csv = await AtomicFile.create(csvPath).catch(async (err: unknown) => {
        await jsonl.abort();
        throw err;
      });
      const index = new Map<string, IndexEntry>();
      let size = 0;
      try {
        await csv.write(this.layout.headerText());
        for (const rowId of this.finalOrder(order, index)) {
          const entry = this.index.get(rowId)!;
          const text = readJournalLine(this.journal, entry);
          const record = parseRecord(text);
          if (record === undefined) throw new Error(`${journalPath}: the record of row ${rowId} cannot be read back`);
          await jsonl.write(`${text}\n`);
          await csv.write(this.layout.row(record));
          index.set(rowId, { status: entry.status, offset: size, length: entry.length });
          size += entry.length + 1;
        }
        // CSV first: should we crash between the renames, the longer journal disagrees and the CSV is rebuilt.
        await csv.commit();
        await jsonl.commit();
      } catch (err) {
        await Promise.all([csv.abort(), jsonl.abort()]);
        this.broken = err; // one file may be renamed and not the other: the next open() repairs that
        throw err;
      }
      await syncDir(this.dir);
      // Open the new files before closing the old ones: get() must never see a closed (or reused) descriptor.
      const old = [this.journal, this.csv];
      this.journal = await open(journalPath, 'a+', PRIVATE_FILE_MODE);
      this.csv = await open(csvPath, 'a', PRIVATE_FILE_MODE);
      this.index = index;
      this.journalSize = size;
      await Promise.all(old.map((file) => file.close()));
    });
  }

  close(): Promise<void> {
    if (this.closed) return this.tail.then(() => undefined);
    this.closed = true;
    const closing = this.tail.then(() => Promise.all([this.journal.close(), this.csv.close()]));
    this.tail = closing.catch(() => undefined);
    return closing.then(() => undefined);
  }

  /** `order`'s row ids that have a result, each once, then the other recorded rows; `written` tells which are out. */
  private *finalOrder(order: string[] | undefined, written: ReadonlyMap<string, unknown>): Generator<string> {
    for (const rowId of order ?? []) if (this.index.has(rowId) && !written.has(rowId)) yield rowId;
    for (const rowId of this.index.keys()) if (!written.has(rowId)) yield rowId;
  }

  /** Appends and rewrites run one at a time, in call order, so that journal offsets stay right. */
  private serially(work: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('results writer is closed'));
    const run = this.tail.then(() => {
      if (this.broken !== undefined) throw new Error('results writer stopped after a failed write; open it again');
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const last = Buffer.alloc(1);
    await file.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await file.close();
  }
}

/** Whether results.csv still matches the journal after a crash: same header, one row per record, no torn row. */
async function csvMatchesJournal(path: string, layout: CsvLayout, records: number): Promise<boolean> {
  const size = await fileSize(path);
  if (size === undefined || size === 0 || !(await endsWithNewline(path, size))) return false;
  // The header as the file holds it: a column name that looks like a formula is written neutralised.
  const [header = []] = parseSync(layout.headerText(), { bom: true }) as string[][];
  let rows = -1; // the header is not a row
  let headerMatches = false;
  const counter = new Writable({
    objectMode: true,
    write(cells: string[], _encoding, done) {
      if (rows === -1) headerMatches = cells.length === header.length && cells.every((cell, i) => cell === header[i]);
      rows += 1;
      done();
    },
  });
  try {
    // A torn row shows up as a short row or an unclosed quote, both errors here.
    await pipeline(createReadStream(path), parse({ bom: true, max_record_size: 0 }), counter);
  } catch {
    return false;
  }
  return headerMatches && rows === records;
}

/** The input columns of an existing results.csv (its header minus RESULT_COLUMNS), or undefined when there is none. */
export async function readInputColumns(dir: string): Promise<string[] | undefined> {
  let handle;
  try {
    handle = await open(join(dir, CSV_FILE), 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const firstLine = buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    const [header] = parseSync(firstLine, { bom: true }) as string[][];
    return header?.slice(0, header.length - RESULT_COLUMNS.length).map(unneutralisedCell);
  } finally {
    await handle.close();
  }
}

/** Writes rejected.csv: the rows left out by --skip-invalid, one problem a line. Returns its path. */
export async function writeRejectedRows(dir: string, problems: RowProblem[]): Promise<string> {
  await mkdir(dir, PRIVATE_DIR);
  const path = join(dir, REJECTED_FILE);
  await writeFileAtomic(path, async (out) => {
    await out.write(csvText([['line', 'column', 'message']], { bom: true }));
    for (const p of problems) await out.write(csvText([[String(p.line), p.column ?? '', p.message]]));
  });
  return path;
}
