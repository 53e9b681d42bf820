/** results.jsonl read back: line by line with byte offsets, and repaired after a crash. */
import { createReadStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { parseRecord } from './record';

export interface JournalLine {
  /** Without the trailing newline. */
  text: string;
  offset: number;
  /** Bytes, without the trailing newline. */
  length: number;
  /** False for a last line with no newline: a write cut short. */
  complete: boolean;
}

/** Where the last record of a row is in the journal, and its status (answers stay on disk). */
export interface IndexEntry {
  status: string;
  offset: number;
  length: number;
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
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
