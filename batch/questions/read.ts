/** Reads a question file in one streaming pass: raw bytes are hashed and checked as UTF-8, then parsed. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { MAX_RECORD_BYTES, QuestionCollector } from './collect';
import { Utf8Check } from './encoding';
import { StopReading, type RowProblem } from './problem';
import type { QuestionRow } from './row';

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
