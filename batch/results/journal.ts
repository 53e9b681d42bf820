/**
 * results.jsonl, the journal and the source of truth of a batch's results: records appended in one write followed
 * by fdatasync, read back line by line with byte offsets, repaired after a crash. Also how any of our files is
 * replaced whole: written to a temporary name, fsynced, renamed over the old one.
 */
import { createReadStream, readSync } from 'node:fs';
import { open, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRIVATE_FILE_MODE } from '../../common/private-files';
import type { TurnStatus } from '../../common/types';
import { parseRecord, type ResultRecord } from './record';

export const JOURNAL_FILE = 'results.jsonl';

// ---- Writing files durably ----

const FLUSH_BYTES = 1 << 20;

/** Writes every byte: a single write() may write fewer bytes than asked. */
export async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done);
    done += bytesWritten;
  }
}

/** A rename is durable only once the folder itself is synced (not possible on Windows, where it is skipped). */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

export function tempPath(path: string): string {
  return `${path}.tmp`;
}

/**
 * Text written to `<path>.tmp` through one reused 1 MiB buffer; commit() makes it `path` (fsync + rename). Each
 * text is encoded into the buffer as it is written, so it is garbage at once: a list of pending strings would keep
 * them alive across collections, and a 100,000-row rewrite then left ~150 MB of dead strings in the old generation
 * before V8 collected them (bench/COMPARE.md, "The client's memory at 100,000 rows").
 */
export class AtomicFile {
  private readonly buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  private used = 0;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    return new AtomicFile(path, await open(tempPath(path), 'w', PRIVATE_FILE_MODE));
  }

  async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (this.used + bytes > this.buffer.length) await this.flush();
    if (bytes > this.buffer.length) await writeAll(this.file, Buffer.from(text));
    else this.used += this.buffer.write(text, this.used);
  }

  /** Syncs and closes the temporary file and renames it; the caller syncs the folder. */
  async commit(): Promise<void> {
    await this.flush();
    await this.file.sync();
    await this.file.close();
    await rename(tempPath(this.path), this.path);
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(tempPath(this.path), { force: true });
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    await writeAll(this.file, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** Writes a whole file atomically with `produce`. */
export async function writeFileAtomic(path: string, produce: (out: AtomicFile) => Promise<void>): Promise<void> {
  const out = await AtomicFile.create(path);
  try {
    await produce(out);
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  await syncDir(dirname(path));
}

// ---- The journal ----

/** Where the last record of a row is in the journal, and its status (answers stay on disk). */
export interface IndexEntry {
  status: TurnStatus;
  offset: number;
  /** Bytes, without the trailing newline. */
  length: number;
}

/**
 * Appends records as lines of the open journal in one write, then fdatasync: they are on disk once this resolves.
 * Returns the byte length of each line, without its newline.
 */
export async function appendToJournal(journal: FileHandle, records: ResultRecord[]): Promise<number[]> {
  const lines = records.map((record) => `${JSON.stringify(record)}\n`);
  await writeAll(journal, Buffer.from(lines.join('')));
  await journal.datasync();
  return lines.map((line) => Buffer.byteLength(line) - 1);
}

/**
 * Where journal lines are read into, reused: finalize() reads every line of the batch, and a buffer of its own for
 * each would leave 100,000 small allocations outside the JS heap for the collector to find.
 */
let lineBuffer = Buffer.alloc(64 * 1024);

/** The text of the journal line at `entry`, read from the open journal. */
export function readJournalLine(journal: FileHandle, entry: IndexEntry): string {
  if (lineBuffer.length < entry.length) lineBuffer = Buffer.alloc(entry.length);
  readSync(journal.fd, lineBuffer, 0, entry.length, entry.offset);
  return lineBuffer.toString('utf8', 0, entry.length);
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export interface JournalLine {
  /** Without the trailing newline. */
  text: string;
  offset: number;
  /** Bytes, without the trailing newline. */
  length: number;
  /** False for a last line with no newline: a write cut short. */
  complete: boolean;
}

export async function* journalLines(path: string): AsyncGenerator<JournalLine> {
  if ((await fileSize(path)) === undefined) return;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0; // of the line being gathered
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
      const part = chunk.subarray(from, nl);
      const line = pending.length === 0 ? part : Buffer.concat([...pending, part]);
      yield { text: line.toString('utf8'), offset, length: line.length, complete: true };
      offset += line.length + 1;
      pending = [];
      pendingBytes = 0;
      from = nl + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
    }
  }
  if (pendingBytes > 0) {
    const line = Buffer.concat(pending);
    yield { text: line.toString('utf8'), offset, length: line.length, complete: false };
  }
}

export interface RecoveredJournal {
  index: Map<string, IndexEntry>;
  /** Records in the journal, retried rows counted each time (results.csv holds as many rows). */
  records: number;
  size: number;
}

/**
 * Indexes the journal, truncating a torn last line (no newline, or not a record). A bad line anywhere else
 * cannot come from a crash of ours, so it is refused rather than silently dropped.
 */
export async function recoverJournal(path: string): Promise<RecoveredJournal> {
  const index = new Map<string, IndexEntry>();
  let records = 0;
  let goodEnd = 0;
  let badLine: number | undefined;
  let lineNumber = 0;
  for await (const line of journalLines(path)) {
    lineNumber += 1;
    if (badLine !== undefined) {
      throw new Error(`${path}: line ${badLine} is not a result record; fix or remove that line, then run again`);
    }
    const record = line.complete && line.text.trim() !== '' ? parseRecord(line.text) : undefined;
    if (record === undefined) {
      if (line.complete && line.text.trim() === '') goodEnd = line.offset + line.length + 1;
      else badLine = lineNumber;
      continue;
    }
    index.set(record.rowId, { status: record.status, offset: line.offset, length: line.length });
    records += 1;
    goodEnd = line.offset + line.length + 1;
  }
  const size = (await fileSize(path)) ?? 0;
  if (size > goodEnd) await truncate(path, goodEnd);
  return { index, records, size: goodEnd };
}
