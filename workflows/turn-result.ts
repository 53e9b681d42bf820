/**
 * Where a turn result too large for its conversation's own result is kept: the input of a child workflow
 * `<conversation workflow id>/turn-<n>`, which has nothing to do but end. Temporal retains it as long as the
 * conversation; the client reads it back (batch/inspect.ts). Workflow code: deterministic, no I/O.
 */
import type { TurnResult } from '../common/types';

export async function turnResultWorkflow(result: TurnResult): Promise<void> {
  void result;
}

/** UTF-8 length of a string, as Temporal counts payload sizes (pure, so usable in workflow code). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one code point of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}
