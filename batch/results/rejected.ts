/** rejected.csv: the rows left out by --skip-invalid, one problem a line. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic';
import { UTF8_BOM, csvLine } from './csv-text';

export const REJECTED_FILE = 'rejected.csv';

export async function writeRejectedRows(
  dir: string,
  problems: { line: number; column?: string; message: string }[],
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, REJECTED_FILE);
  await writeFileAtomic(path, async (out) => {
    await out.write(UTF8_BOM + csvLine(['line', 'column', 'message']));
    for (const p of problems) await out.write(csvLine([String(p.line), p.column ?? '', p.message]));
  });
  return path;
}
