/** The input columns of an existing results.csv: its header minus the result columns we add. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RESULT_COLUMNS } from './record';
import { CSV_FILE } from './writer';

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
    const [header] = parse(firstLine, { bom: true }) as string[][];
    return header?.slice(0, header.length - RESULT_COLUMNS.length);
  } finally {
    await handle.close();
  }
}
