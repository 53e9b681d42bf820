/**
 * The shapes of an evaluation run, shared by the suite reader, the checks, the workflows, the run's files and the
 * report. Pure types and constants: imported from workflow code. Field names of what is written to summary.json
 * are snake_case because the file's readers (CI systems, scripts) are promised those names.
 */
import type { AnswerCitation, TurnInput, TurnSettings, TurnStatus } from '../common/types';

/** The checks of one suite row, parsed from its check columns; an absent check is not run. */
export interface RowChecks {
  /** expect_contains: every value must appear in the answer. */
  contains?: string[];
  /** expect_not_contains: no value may appear. */
  notContains?: string[];
  /** expect_regex: the answer must match (JavaScript syntax, flag `u`; `i` unless case_sensitive). */
  regex?: string;
  /** expect_equals: equal after whitespace (and, unless case_sensitive, case) normalisation. */
  equals?: string;
  /** expect_cites: each value must be cited: a URL prefix (`https://x/y`), a domain (`x.com`), or `any`. */
  cites?: string[];
  /** expect_status: the turn's status; default COMPLETED. */
  status?: TurnStatus;
  /** max_latency_ms: the turn's latency must not exceed it. */
  maxLatencyMs?: number;
  /** reference_answer + min_similarity: similarity(answer, reference) >= minSimilarity. */
  reference?: string;
  minSimilarity?: number;
  /** case_sensitive: applies to contains, not_contains, regex, equals. Default false. */
  caseSensitive?: boolean;
}

/** The column names of the checks, as the suite CSV has them (matched trimmed, case-insensitive). */
export const CHECK_COLUMNS = [
  'expect_contains',
  'expect_not_contains',
  'expect_regex',
  'expect_equals',
  'expect_cites',
  'expect_status',
  'max_latency_ms',
  'reference_answer',
  'min_similarity',
  'case_sensitive',
  'tags',
] as const;

/** What a turn produced, as the checks see it. */
export interface CheckedOutcome {
  status: TurnStatus;
  answer: string;
  citations: AnswerCitation[];
  latencyMs?: number;
}

/** One failed check: the column and a reason a person reads, e.g. `expect_contains "VPN portal": not found`. */
export interface FailedCheck {
  check: string;
  reason: string;
}

/** One turn of one repeat, checked: what the run keeps of it (the answer itself stays in its conversation). */
export interface TurnVerdict {
  rowId: string;
  repeat: number;
  status: TurnStatus;
  passed: boolean;
  /** Each failed check's reason; empty when passed. */
  failedChecks: string[];
  latencyMs?: number;
  /** HTTP requests made for the turn, retries included. */
  attempts: number;
  /** 429 answers seen for the turn. */
  http429s: number;
  /** Short hash of the normalised answer (answerKey in evaluation/normalise.ts): equal answers, equal keys. */
  answerKey: string;
}

/** One question's repeats so far. */
export interface QuestionTally {
  repeats: number;
  passedRepeats: number;
  /** A repeat that did not pass got no answer. */
  noAnswer: boolean;
  /** Distinct normalised answers (answer variability). */
  answerKeys: string[];
}

/** Everything a summary needs, folded from the verdicts (evaluation/summary.ts). */
export interface RunTally {
  questions: Record<string, QuestionTally>;
  /** Latency of each answered turn, in ms. */
  latencies: number[];
  apiRequests: number;
  http429s: number;
}

/** What a baseline contributes to a comparison, per question id. */
export interface BaselineDigest {
  runId: string;
  questions: Record<string, { passed: boolean; answerKeys: string[] }>;
}

/** summary.json: the names are promised to readers; keep them. */
export interface RunSummary {
  run_id: string;
  suite: string;
  started_at: string;
  finished_at: string;
  /** Suite rows (questions), not counting repeats. */
  questions: number;
  repeats: number;
  /** Questions whose every repeat passed. */
  passed: number;
  /** Questions with a repeat that ended but failed a check. */
  failed: number;
  /** Questions with a repeat that got no answer (ERROR, TIMED_OUT, CANCELLED) when that status was not expected. */
  errors: number;
  /** passed / questions, 0–1. */
  pass_rate: number;
  /** Ids of questions where some repeats passed and some did not. */
  flaky: string[];
  /** Ids that passed in the baseline and do not now. */
  regressions: string[];
  /** Ids that did not pass in the baseline and do now. */
  fixed: string[];
  /** Ids none of whose normalised answers equals one of the baseline's. */
  changed_answers: string[];
  latency_ms: { p50: number | null; p95: number | null };
  api_requests: number;
  http_429s: number;
  /** The run compared with, when there was one. */
  baseline_run_id: string | null;
  /** sha256 of the suite file's bytes. */
  suite_sha256: string;
  /** Scheduled runs: the schedule that started the run. */
  schedule?: string;
  /** Scheduled runs: where the worker wrote the run's files (report.html is in it). */
  run_dir?: string;
  /** Scheduled runs: whether the webhook got its notification (absent when the policy did not call for one). */
  notification?: { delivered: boolean; attempts: number; error?: string };
}

/** One question × repeat, as the report shows it. */
export interface ReportRow {
  rowId: string;
  repeat: number;
  line: number;
  question: string;
  conversation?: string;
  tags: string[];
  status: TurnStatus;
  passed: boolean;
  failedChecks: string[];
  answer: string;
  citations: AnswerCitation[];
  latencyMs?: number;
  /** Per question (same on every repeat). */
  regression: boolean;
  fixed: boolean;
  changed: boolean;
  flaky: boolean;
  /** The baseline's answer to this question (its first repeat), when there is a baseline that asked it. */
  baselineAnswer?: string;
  baselinePassed?: boolean;
}

/** One past run of the suite, for the pass-rate chart. */
export interface RunHistoryPoint {
  runId: string;
  startedAt: string;
  passRate: number;
}

/** Everything report.html is built from. */
export interface ReportData {
  summary: RunSummary;
  rows: ReportRow[];
  /** The suite's runs in the same folder, oldest first, this one included. */
  history: RunHistoryPoint[];
}

// --- The run workflow's input and result ---

/** One suite row as the run carries it: the turn, its checks, and what the run's files show of its row. */
/** A turn of the suite: what is asked (or pressed), and how its answer is checked. */
export interface EvaluationTurn extends TurnInput {
  line: number;
  checks: RowChecks;
  tags: string[];
  /** The row's other cells, passed through to results.csv. */
  extra: Record<string, string>;
}

/** One conversation of the suite (a lone row is a conversation of one turn). */
export interface EvaluationConversation {
  key: string;
  conversation?: string;
  title?: string;
  turns: EvaluationTurn[];
}

export interface EvaluationRunInput {
  /** Unset in a schedule's action: each run derives its own from its start time (scheduledRunId). */
  runId?: string;
  /** With `suitePath`, sha256 and columns are those the worker found when the run started. */
  suite: { name: string; sha256: string; columns: string[] };
  /** The suite's rows; empty when the worker reads them from `suitePath` at run time. */
  conversations: EvaluationConversation[];
  /** A suite file the worker reads when the run starts (`schedule create --suite-path`), hashed into the summary. */
  suitePath?: string;
  /** Set when a schedule starts the run: the worker then writes its files, and notifies. */
  schedule?: ScheduledRun;
  /** Each conversation is asked this many times, each time in a new conversation. */
  repeats: number;
  /** Conversations in flight at once. */
  window: number;
  settings: TurnSettings;
  baseline?: BaselineDigest;
  /** Cases one run of the workflow starts before it continues as new (default CASES_PER_RUN, 500). */
  casesPerRun?: number;
  /** Set by the workflow when it continues as new: what the earlier runs of this evaluation did. */
  progress?: EvaluationProgressCarried;
}

/** What a schedule adds to its runs. The webhook URL is not here: it stays in the workers' environment. */
export interface ScheduledRun {
  name: string;
  notify: NotifyPolicy;
  /** The workers' environment variable holding the webhook URL; default MWBATCH_NOTIFY_URL. */
  notifyUrlEnv?: string;
}

export type { NotifyPolicy } from './notify-policy';
import type { NotifyPolicy } from './notify-policy';

/** A run's input once the run has started: its id is known. */
export type StartedRun = EvaluationRunInput & { runId: string };

export interface EvaluationProgressCarried {
  startedAt: string;
  /** Index of the next case to start (cases are conversation × repeat, repeat-major). */
  next: number;
  tally: RunTally;
  turnsPassed: number;
  turnsFailed: number;
}

/**
 * What a run returns (and its memo holds): the summary, and the digest a later run compares with. Each turn's
 * verdict stays in the result of its case workflow, each answer in its conversation workflow.
 */
export interface EvaluationRunResult {
  summary: RunSummary;
  digest: BaselineDigest;
}

/** What the run's `progress` query answers. */
export interface EvaluationProgress {
  cases: number;
  casesDone: number;
  turnsPassed: number;
  turnsFailed: number;
}
