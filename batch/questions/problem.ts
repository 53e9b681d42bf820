/** A problem found in the question file, tied to the line where its row starts (the header is line 1). */
export interface RowProblem {
  line: number;
  column?: string;
  message: string;
}

/** `line:column: message`, or `line: message` when the problem is not about one column. */
export function formatProblem(p: RowProblem): string {
  return p.column === undefined ? `${p.line}: ${p.message}` : `${p.line}:${p.column}: ${p.message}`;
}

/** Thrown inside the parse to stop reading after a problem that makes the rest of the file unreadable. */
export class StopReading extends Error {
  override name = 'StopReading';
}
