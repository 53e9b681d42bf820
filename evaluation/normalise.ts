/**
 * The normalised answer and its short key: how an evaluation run tells whether two answers are the same one, across
 * repeats of a question and against a baseline run. The normalisation is the one expect_equals uses without
 * case_sensitive (checks.ts), so two answers have the same key exactly when that check would call them equal.
 * Uses node:crypto: for activities and the CLI, not for workflow code.
 */
import { createHash } from 'node:crypto';
import { comparableText } from './checks';

/** NFKC, every run of whitespace one space, trimmed, lower-cased. */
export function normaliseAnswer(text: string): string {
  return comparableText(text, false);
}

/** The first 16 hex characters of the sha256 of the normalised answer (its UTF-8 bytes). */
export function answerKey(text: string): string {
  return createHash('sha256').update(normaliseAnswer(text), 'utf8').digest('hex').slice(0, 16);
}
