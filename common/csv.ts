/**
 * How mwbatch writes CSV: every CSV file we produce (results.csv, rejected.csv, the benchmark's results.csv) is
 * written as the text csvText returns, so that they all quote, end lines and neutralise formulas the same way.
 *
 * - RFC 4180 quoting (csv-stringify): a cell holding a comma, a quote, CR or LF is quoted, quotes doubled; `\n`
 *   ends every row, the last included.
 * - A UTF-8 BOM before the first row when asked (`bom: true`, for the header): without it Excel reads UTF-8 as the
 *   local code page.
 * - Formula neutralisation (csv-stringify's `escape_formulas`, OWASP "CSV injection"): a cell starting with `=`,
 *   `+`, `-`, `@`, tab or CR (or the full-width `＝ ＋ － ＠`) gets a leading `'`, so that a spreadsheet shows it as
 *   text instead of running it. Every cell is a string here, so a negative number such as `-5` in a column passed
 *   through from the input is written `'-5` too. results.jsonl keeps the raw text.
 */
import { stringify } from 'csv-stringify/sync';

const OPTIONS = { escape_formulas: true } as const;

/** Rows as CSV text: one `\n`-terminated line per row (several when a quoted cell holds a line break). */
export function csvText(rows: readonly (readonly string[])[], options: { bom?: boolean } = {}): string {
  return stringify(rows as string[][], { ...OPTIONS, bom: options.bom === true });
}

/**
 * The text a cell had before csvText wrote it, for a cell read back from one of our files (a header, say): without
 * the `'` the formula neutralisation added. A cell that truly began with `'` followed by one of the characters
 * above reads back without that quote: the file cannot tell the two apart.
 */
export function unneutralisedCell(cell: string): string {
  if (!cell.startsWith("'")) return cell;
  const withoutQuote = cell.slice(1);
  return csvText([[withoutQuote]]) === csvText([[cell]]) ? withoutQuote : cell;
}
