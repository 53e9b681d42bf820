/** Whether results.csv still matches the journal after a crash: same header, one row per record, no torn row. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { fileSize } from './journal';

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

export async function csvMatchesJournal(path: string, header: string[], records: number): Promise<boolean> {
  const size = await fileSize(path);
  if (size === undefined || size === 0 || !(await endsWithNewline(path, size))) return false;
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
