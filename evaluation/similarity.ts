/**
 * How close an answer is to a reference answer, for the `reference_answer` + `min_similarity` check: a token F1,
 * the measure question-answering benchmarks use. Deterministic and cheap: no model, no randomness, the same pair
 * always scores the same. Pure code without Node imports (safe in workflow code).
 *
 * Tokens: the text is NFKC-normalised and lower-cased, then split into runs of Unicode letters and digits
 * (combining marks stay with the letter they follow, so Devanagari or Thai words are not cut apart). Chinese and
 * Japanese are written without spaces, so each Han, Hiragana or Katakana character is a token of its own.
 *
 * Score: with A the answer's tokens and R the reference's (as multisets) and C = |A ∩ R| (a token counted as often
 * as it occurs in both), precision P = C/|A|, recall Q = C/|R|, and F1 = 2PQ/(P+Q) = 2C/(|A|+|R|).
 * Two texts without tokens score 1 (nothing differs); one without tokens scores 0. Word order is not considered.
 */

const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';

/** One CJK character, or a run of letters/digits (and the marks on them) that holds no CJK character. */
const TOKEN = new RegExp(`[${CJK}]\\p{M}*|(?:(?![${CJK}])[\\p{L}\\p{N}])(?:(?![${CJK}])[\\p{L}\\p{N}\\p{M}])*`, 'gu');

/** The tokens of a text, in order, as the similarity counts them. */
export function tokens(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

/** Token F1 of answer against reference, from 0 (no token in common) to 1 (the same tokens, as often). */
export function similarity(answer: string, reference: string): number {
  const answerTokens = tokens(answer);
  const referenceTokens = tokens(reference);
  if (answerTokens.length === 0 && referenceTokens.length === 0) return 1;
  if (answerTokens.length === 0 || referenceTokens.length === 0) return 0;
  const unmatched = new Map<string, number>();
  for (const token of referenceTokens) unmatched.set(token, (unmatched.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of answerTokens) {
    const left = unmatched.get(token) ?? 0;
    if (left === 0) continue;
    common += 1;
    unmatched.set(token, left - 1);
  }
  return (2 * common) / (answerTokens.length + referenceTokens.length);
}
