/**
 * Crash-safe streaming results. results.jsonl is the journal and the source of truth: every append is one write
 * followed by fdatasync. results.csv follows it and is rebuilt from it whenever the two disagree after a crash.
 * Only a small index (row id → status and place in the journal) is kept in memory; answers stay on disk.
 */
import { readSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile, syncDir, tempPath, writeAll, writeFileAtomic } from './atomic';
import { csvMatchesJournal } from './csv-check';
import { UTF8_BOM, csvLine } from './csv-text';
import { journalLines, recoverJournal, type IndexEntry } from './journal';
import { checkRecord, CsvLayout, parseRecord, type ResultRecord } from './record';

export const JOURNAL_FILE = 'results.jsonl';
export const CSV_FILE = 'results.csv';

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
    await mkdir(dir, { recursive: true });
    const journalPath = join(dir, JOURNAL_FILE);
    const csvPath = join(dir, CSV_FILE);
    // Left by a finalize() that did not finish; the files they were to replace are still whole.
    await rm(tempPath(journalPath), { force: true });
    await rm(tempPath(csvPath), { force: true });
    const layout = new CsvLayout(inputColumns);
    const { index, records, size } = await recoverJournal(journalPath);
    if (!(await csvMatchesJournal(csvPath, layout.header, records))) {
      await writeFileAtomic(csvPath, async (out) => {
        await out.write(UTF8_BOM + csvLine(layout.header));
        for await (const line of journalLines(journalPath)) {
          const record = parseRecord(line.text);
          if (record) await out.write(layout.row(record));
        }
      });
    }
    const journal = await open(journalPath, 'a+');
    const csv = await open(csvPath, 'a');
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
  status(rowId: string): string | undefined {
    return this.index.get(rowId)?.status;
  }

  /** The last result recorded for this row, read back from the journal. */
  get(rowId: string): ResultRecord | undefined {
    const entry = this.index.get(rowId);
    if (entry === undefined) return undefined;
    if (this.closed) throw new Error('results writer is closed');
    const line = Buffer.alloc(entry.length);
    readSync(this.journal.fd, line, 0, entry.length, entry.offset);
    return parseRecord(line.toString('utf8'));
  }

  /** Appends results in one journal write + fdatasync, then one results.csv write. A retried row may appear twice. */
  append(records: ResultRecord[]): Promise<void> {
    return this.serially(async () => {
      if (records.length === 0) return;
      records.forEach(checkRecord);
      const lines = records.map((record) => `${JSON.stringify(record)}\n`);
      const data = Buffer.from(lines.join(''));
      try {
        await writeAll(this.journal, data);
        await this.journal.datasync();
        await writeAll(this.csv, Buffer.from(records.map((record) => this.layout.row(record)).join('')));
      } catch (err) {
        // The files may now hold part of this append: the next open() repairs them, this writer stops.
        this.broken = err;
        throw err;
      }
      let offset = this.journalSize;
      records.forEach((record, i) => {
        const length = Buffer.byteLength(lines[i]!) - 1;
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
        await csv.write(UTF8_BOM + csvLine(this.layout.header));
        for (const rowId of this.finalOrder(order)) {
          const entry = this.index.get(rowId)!;
          const line = Buffer.alloc(entry.length);
          await this.journal.read(line, 0, entry.length, entry.offset);
          const text = line.toString('utf8');
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
      this.journal = await open(journalPath, 'a+');
      this.csv = await open(csvPath, 'a');
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

  private *finalOrder(order: string[] | undefined): Generator<string> {
    const done = new Set<string>();
    for (const rowId of order ?? []) {
      if (done.has(rowId) || !this.index.has(rowId)) continue;
      done.add(rowId);
      yield rowId;
    }
    for (const rowId of this.index.keys()) if (!done.has(rowId)) yield rowId;
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
