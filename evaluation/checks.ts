/**
 * The checks of an evaluation run: what a suite row expects of its turn (RowChecks, parsed by suite.ts) held
 * against what the turn produced (CheckedOutcome). `evaluateChecks` returns one FailedCheck per unmet expectation,
 * each with a short reason a person reads in the report; none means the turn passed. Also the pieces the suite
 * reader shares with the checks so that a suite is validated exactly as it is later run: the regex flags, what a
 * cited value means, how text is compared. Runs in the check activity and the CLI (a regex is matched under a time
 * limit: bounded-regex.ts), never in workflow code.
 */
import type { AnswerCitation } from '../common/types';
import { boundedTest, REGEX_TIME_LIMIT_MS } from './bounded-regex';
import { similarity } from './similarity';
import type { CHECK_COLUMNS, CheckedOutcome, FailedCheck, RowChecks } from './types';

type CheckColumn = (typeof CHECK_COLUMNS)[number];

/**
 * Text as the text checks compare it: NFKC (full-width letters, ligatures and no-break spaces become their plain
 * forms), every run of whitespace (line breaks included) one space, trimmed, and lower-cased unless caseSensitive.
 */
export function comparableText(text: string, caseSensitive = false): string {
  const spaced = text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  return caseSensitive ? spaced : spaced.toLowerCase();
}

/** expect_regex as it is run: flag `u`, plus `i` unless caseSensitive. An error is the engine's message. */
export function compileRegex(source: string, caseSensitive = false): { pattern: RegExp } | { error: string } {
  const flags = caseSensitive ? 'u' : 'iu';
  try {
    return { pattern: new RegExp(source, flags) };
  } catch (err) {
    // The engine quotes the whole pattern, which may be long: quote it the way reasons do.
    const message = err instanceof Error ? err.message : String(err);
    return { error: message.replace(`/${source}/`, `/${shown(source)}/`) };
  }
}

/** What one expect_cites value asks for. */
export type CiteTarget =
  /** `any`: some citation. */
  | { kind: 'any' }
  /** A value with `://`: a citation whose URL starts with it (both compared as the URL parser writes them). */
  | { kind: 'url'; prefix: string }
  /** A domain: a citation whose URL's host is it or one of its subdomains. */
  | { kind: 'domain'; host: string };

/** The meaning of an expect_cites value, or undefined when it is neither `any`, a URL nor a domain. */
export function citeTarget(value: string): CiteTarget | undefined {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'any') return { kind: 'any' };
  if (trimmed.includes('://')) {
    const url = parseUrl(trimmed);
    return url === undefined ? undefined : { kind: 'url', prefix: url.href };
  }
  // A bare host name: no path, query, port, credentials or spaces.
  if (!/^[^\s/\\?#@:]+$/u.test(trimmed)) return undefined;
  const host = parseUrl(`http://${trimmed}`)?.hostname;
  return host ? { kind: 'domain', host: withoutFinalDot(host) } : undefined;
}

/** Every unmet expectation of the row, in the order of CHECK_COLUMNS; empty when the turn passed. */
export function evaluateChecks(checks: RowChecks, outcome: CheckedOutcome): FailedCheck[] {
  // A turn that ended otherwise than expected has no answer worth checking: that one failure says it all.
  const expected = checks.status ?? 'COMPLETED';
  if (outcome.status !== expected) {
    return [{ check: 'expect_status', reason: `expect_status ${expected}: got ${outcome.status}` }];
  }

  const failed: FailedCheck[] = [];
  const fail = (check: CheckColumn, reason: string) => failed.push({ check, reason: `${check} ${reason}` });
  const caseSensitive = checks.caseSensitive === true;
  const answer = comparableText(outcome.answer, caseSensitive);

  for (const value of checks.contains ?? []) {
    if (!answer.includes(comparableText(value, caseSensitive))) fail('expect_contains', `${quoted(value)}: not found`);
  }
  for (const value of checks.notContains ?? []) {
    if (answer.includes(comparableText(value, caseSensitive))) fail('expect_not_contains', `${quoted(value)}: found`);
  }
  if (checks.regex !== undefined) {
    const compiled = compileRegex(checks.regex, caseSensitive);
    const shownRegex = `/${shown(checks.regex)}/`;
    // The regex sees the answer as it is, line breaks included.
    if ('error' in compiled) fail('expect_regex', `${shownRegex}: does not compile (${compiled.error})`);
    else {
      const matched = boundedTest(compiled.pattern, outcome.answer);
      if (matched === undefined) {
        fail(
          'expect_regex',
          `${shownRegex}: gave up after ${REGEX_TIME_LIMIT_MS / 1000} s (the pattern backtracks too much)`,
        );
      } else if (!matched) fail('expect_regex', `${shownRegex}: no match`);
    }
  }
  if (checks.equals !== undefined && answer !== comparableText(checks.equals, caseSensitive)) {
    fail('expect_equals', `${quoted(checks.equals)}: got ${quoted(comparableText(outcome.answer, true))}`);
  }
  for (const value of checks.cites ?? []) {
    const target = citeTarget(value);
    if (target === undefined) fail('expect_cites', `${quoted(value)}: not a URL, a domain or any`);
    else if (target.kind === 'any' && outcome.citations.length === 0) fail('expect_cites', 'any: no citations');
    else if (target.kind !== 'any' && !outcome.citations.some((citation) => cites(citation, target)))
      fail('expect_cites', `${quoted(value)}: not cited`);
  }
  if (checks.maxLatencyMs !== undefined) {
    const limit = checks.maxLatencyMs;
    if (outcome.latencyMs === undefined) fail('max_latency_ms', `${limit}: no latency measured`);
    else if (outcome.latencyMs > limit) fail('max_latency_ms', `${limit}: took ${outcome.latencyMs}`);
  }
  // The suite reader refuses one of reference_answer and min_similarity without the other.
  if (checks.reference !== undefined && checks.minSimilarity !== undefined) {
    const score = similarity(outcome.answer, checks.reference);
    if (score < checks.minSimilarity) {
      fail('min_similarity', `${twoDecimals(checks.minSimilarity)}: scored ${scoreShown(score)}`);
    }
  }
  return failed;
}

function cites(citation: AnswerCitation, target: Exclude<CiteTarget, { kind: 'any' }>): boolean {
  const url = citation.url === undefined ? undefined : parseUrl(citation.url.trim());
  if (target.kind === 'url') return (url?.href ?? citation.url ?? '').startsWith(target.prefix);
  const host = url === undefined ? '' : withoutFinalDot(url.hostname);
  return host === target.host || host.endsWith(`.${target.host}`);
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const withoutFinalDot = (host: string) => (host.endsWith('.') ? host.slice(0, -1) : host);

// How values appear in reasons and problems: short, and without characters that would upset a terminal.

/** At most this many characters of a value are quoted; a longer one is cut and ends with `…`. */
const MAX_SHOWN_CHARS = 80;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value cut to 80 characters (whole code points) with `…`; control and format characters written as escapes. */
export function shown(value: string): string {
  const chars = Array.from(value);
  const cut = chars.length > MAX_SHOWN_CHARS ? `${chars.slice(0, MAX_SHOWN_CHARS).join('')}…` : value;
  return cut.replace(/[\p{Cc}\p{Cf}]/gu, (char) => ESCAPES[char] ?? `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`);
}

/** A value in double quotes, as `shown` writes it. */
export function quoted(value: string): string {
  return `"${shown(value)}"`;
}

/** 0.8 as `0.80`; a value written with more decimals keeps them (0.825 stays `0.825`). */
function twoDecimals(value: number): string {
  const written = String(value);
  return (written.split('.')[1]?.length ?? 0) > 2 ? written : value.toFixed(2);
}

/** A failing score rounded down, so that a score just under the minimum never shows as the minimum itself. */
function scoreShown(score: number): string {
  // The small epsilon keeps 0.29 (28.999…% in binary) showing as 0.29.
  return (Math.floor(score * 100 + 1e-9) / 100).toFixed(2);
}
