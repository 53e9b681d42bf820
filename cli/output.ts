/**
 * What the CLI prints. For scripts (`--json`): one JSON document on stdout, everything meant for people on stderr.
 * For people: text made safe for a terminal (common/terminal.ts).
 */
import { safeForTerminal } from '../common/terminal';

/** One JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line (or lines) of text for people on stdout, safe for a terminal. */
export function printText(text: string): void {
  console.log(safeForTerminal(text, { keepNewlines: true }));
}

/** A line (or lines) of text for people on stderr, safe for a terminal. */
export function logText(text: string): void {
  console.error(safeForTerminal(text, { keepNewlines: true }));
}

/** Counts per status as a JSON object, the largest first. */
export function countsObject(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** Counts per status as indented `STATUS  n` lines, the largest first. */
export function countLines(counts: Map<string, number>): string[] {
  return Object.entries(countsObject(counts)).map(([status, n]) => `  ${status.padEnd(12)} ${String(n).padStart(7)}`);
}

/** Counts per status on one line: `COMPLETED 10, RUNNING 2`. */
export function countsInline(counts: Map<string, number>): string {
  return Object.entries(countsObject(counts))
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
}

/** A table for people on stdout: columns padded to their widest cell, those in `alignRight` aligned right. */
export function printTable(header: string[], rows: string[][], alignRight: number[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, i) => (alignRight.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)));
    printText(cells.join('  ').trimEnd());
  }
}
