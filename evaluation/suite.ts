/**
 * Reading an evaluation suite: a question file (read by batch/questions, with its ids, conversations and problems)
 * whose extra columns hold each row's checks. The check cells are parsed into RowChecks and validated exactly as
 * the checks will run them (checks.ts); what is wrong becomes a problem tied to a line and column, like the
 * question file's own problems, and a row with a problem is left out of the rows.
 */
import { basename, extname } from 'node:path';
import {
  formatProblem,
  readQuestionFile,
  type QuestionFile,
  type QuestionRow,
  type RowProblem,
} from '../batch/questions';
import type { TurnStatus } from '../common/types';
import { citeTarget, compileRegex, quoted } from './checks';
import { CHECK_COLUMNS, type RowChecks } from './types';

/** A valid suite row: the question row and its checks. */
export interface SuiteRow extends QuestionRow {
  checks: RowChecks;
  /** From the `tags` cell, split on `|` or `,`, trimmed, without blanks or repeats. */
  tags: string[];
}

export interface Suite {
  file: QuestionFile;
  /** The file's base name without extension, characters outside [A-Za-z0-9._-] replaced by `_`. */
  name: string;
  /** The valid rows only: a row with a problem in its question or its checks is left out. */
  rows: SuiteRow[];
  /** The file's problems and the checks' problems, in line order. Empty when the whole suite is good. */
  problems: RowProblem[];
}

type CheckColumn = (typeof CHECK_COLUMNS)[number];

/** The statuses a suite may expect (CANCELLED is what the user does, not what the assistant does). */
const EXPECTABLE_STATUSES: readonly TurnStatus[] = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'ERROR'];

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

/** Throws only when the file cannot be read at all (missing, a directory, no permission). */
export async function readSuite(path: string): Promise<Suite> {
  const file = await readQuestionFile(path);
  const header = checkHeader(file.columns);
  const problems = [...header.problems];
  const rows: SuiteRow[] = [];
  for (const row of file.rows) {
    const before = problems.length;
    const parsed = readChecks(row, header.names, problems);
    if (problems.length === before) rows.push({ ...row, ...parsed });
  }
  // A stable sort: on one line, the file's own problems come first, then the checks' in column order.
  const all = [...file.problems, ...problems].sort((a, b) => a.line - b.line);
  return { file, name: suiteName(path), rows, problems: all };
}

/** `path:line:column: message` for each problem, as the CLI prints them. */
export function formatSuiteProblems(path: string, problems: RowProblem[]): string[] {
  return problems.map((problem) => `${path}:${formatProblem(problem)}`);
}

/** A suite's name, as run folders and reports use it: `Smoke tests (v2).csv` → `Smoke_tests__v2_`. */
export function suiteName(path: string): string {
  return basename(path, extname(path)).replace(/[^A-Za-z0-9._-]/gu, '_') || 'suite';
}

/**
 * Which header name holds each check column (matched trimmed and case-insensitive; a repeated column is the
 * question file's problem and only its first occurrence counts), and a problem for each `expect_` column that is
 * no check: a misspelt check would otherwise never run.
 */
function checkHeader(columns: string[]): { names: Map<CheckColumn, string>; problems: RowProblem[] } {
  const names = new Map<CheckColumn, string>();
  const problems: RowProblem[] = [];
  const unknown = new Set<string>();
  for (const name of columns) {
    const key = name.trim().toLowerCase();
    if (isCheckColumn(key)) {
      if (!names.has(key)) names.set(key, name);
    } else if (key.startsWith('expect_') && !unknown.has(key)) {
      unknown.add(key);
      const message = `unknown check column ${quoted(name.trim())} (known: ${CHECK_COLUMNS.join(', ')})`;
      problems.push({ line: 1, column: name, message });
    }
  }
  return { names, problems };
}

function isCheckColumn(key: string): key is CheckColumn {
  return (CHECK_COLUMNS as readonly string[]).includes(key);
}

/** The checks and tags of one row, pushing a problem for each cell that is wrong. Blank cells are absent checks. */
function readChecks(
  row: QuestionRow,
  names: Map<CheckColumn, string>,
  problems: RowProblem[],
): Pick<SuiteRow, 'checks' | 'tags'> {
  const cell = (column: CheckColumn): string => {
    const name = names.get(column);
    return name === undefined ? '' : (row.extra[name] ?? '').trim();
  };
  const problem = (column: CheckColumn, message: string) =>
    problems.push({ line: row.line, column: names.get(column) ?? column, message });
  const checks: RowChecks = {};

  const caseCell = cell('case_sensitive');
  const caseSensitive = caseCell === '' ? false : BOOLEANS[caseCell.toLowerCase()];
  if (caseSensitive === undefined)
    problem('case_sensitive', `${quoted(caseCell)} is not one of true, false, yes, no, 1, 0`);
  else if (caseSensitive) checks.caseSensitive = true;

  const contains = values(cell('expect_contains'), '|');
  if (contains.length > 0) checks.contains = contains;
  const notContains = values(cell('expect_not_contains'), '|');
  if (notContains.length > 0) checks.notContains = notContains;

  const regex = cell('expect_regex');
  if (regex !== '') {
    const compiled = compileRegex(regex, caseSensitive === true);
    if ('error' in compiled) problem('expect_regex', compiled.error);
    checks.regex = regex;
  }

  const equals = cell('expect_equals');
  if (equals !== '') checks.equals = equals;

  const cites = values(cell('expect_cites'), '|');
  for (const value of cites) {
    if (citeTarget(value) === undefined)
      problem('expect_cites', `${quoted(value)} is not a URL (with ://), a domain (kb.example.com) or any`);
  }
  if (cites.length > 0) checks.cites = cites;

  const status = cell('expect_status');
  if (status !== '') {
    const upper = status.toUpperCase();
    const known = EXPECTABLE_STATUSES.find((expectable) => expectable === upper);
    if (known === undefined)
      problem('expect_status', `${quoted(status)} is not one of ${EXPECTABLE_STATUSES.join(', ')}`);
    else checks.status = known;
  }

  const latency = cell('max_latency_ms');
  if (latency !== '') {
    const ms = /^\d+$/u.test(latency) ? Number(latency) : NaN;
    if (!Number.isSafeInteger(ms) || ms <= 0)
      problem('max_latency_ms', `${quoted(latency)} is not a positive whole number of milliseconds`);
    else checks.maxLatencyMs = ms;
  }

  const reference = cell('reference_answer');
  const minimum = cell('min_similarity');
  if (reference !== '') checks.reference = reference;
  if (minimum !== '') {
    const min = /^(?:\d+(?:\.\d*)?|\.\d+)$/u.test(minimum) ? Number(minimum) : NaN;
    if (!(min >= 0 && min <= 1)) problem('min_similarity', `${quoted(minimum)} is not a number from 0 to 1`);
    else checks.minSimilarity = min;
  }
  if (reference !== '' && minimum === '')
    problem('min_similarity', 'required with reference_answer (give both or neither)');
  if (reference === '' && minimum !== '')
    problem('reference_answer', 'required with min_similarity (give both or neither)');

  return { checks, tags: [...new Set(values(cell('tags'), /[|,]/u))] };
}

/** A cell holding several values: split, each trimmed, blanks dropped. */
function values(cell: string, separator: string | RegExp): string[] {
  return cell
    .split(separator)
    .map((value) => value.trim())
    .filter((value) => value !== '');
}
