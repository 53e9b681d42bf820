/** CSV text as RFC 4180 has it: a cell is quoted when it holds a comma, a quote, CR or LF; quotes are doubled. */

/** Written first in every CSV we produce: without it Excel reads UTF-8 as the local code page. */
export const UTF8_BOM = '\uFEFF';

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
