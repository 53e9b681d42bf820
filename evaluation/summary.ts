/**
 * A run's summary and its comparison with a baseline: the one place where passed, failed, flaky, regression, fixed
 * and changed are decided. Pure (no I/O, no Node modules): the run workflow folds each case's verdicts into a
 * `RunTally` as they come (small whatever the number of repeats, so it crosses continue-as-new), and summarises it
 * at the end; `mwbatch report` rebuilds the same tally from a run's files.
 *
 * Per question (a suite row), over its repeats: it passed when every repeat passed; otherwise it is an error when
 * a repeat got no answer (ERROR, TIMED_OUT, CANCELLED, unless expected), else it failed. It is flaky when some
 * repeats passed and some did not. Against the baseline: a regression passed there and does not now, a fix the
 * reverse; its answer changed when none of its normalised answers now is one the baseline gave.
 */
import type { BaselineDigest, QuestionTally, RunSummary, RunTally, TurnVerdict } from './types';

/** Statuses that mean no answer came back. */
const NO_ANSWER = new Set(['ERROR', 'TIMED_OUT', 'CANCELLED']);

export function emptyTally(): RunTally {
  return { questions: {}, latencies: [], apiRequests: 0, http429s: 0 };
}

export function addVerdicts(tally: RunTally, verdicts: readonly TurnVerdict[]): void {
  for (const v of verdicts) {
    const q = (tally.questions[v.rowId] ??= { repeats: 0, passedRepeats: 0, noAnswer: false, answerKeys: [] });
    q.repeats += 1;
    if (v.passed) q.passedRepeats += 1;
    else if (NO_ANSWER.has(v.status)) q.noAnswer = true;
    if (v.answerKey !== '' && !q.answerKeys.includes(v.answerKey)) q.answerKeys.push(v.answerKey);
    if (v.latencyMs !== undefined && !NO_ANSWER.has(v.status)) tally.latencies.push(v.latencyMs);
    tally.apiRequests += v.attempts;
    tally.http429s += v.http429s;
  }
}

export function tallyOf(verdicts: readonly TurnVerdict[]): RunTally {
  const tally = emptyTally();
  addVerdicts(tally, verdicts);
  return tally;
}

const passed = (q: QuestionTally) => q.repeats > 0 && q.passedRepeats === q.repeats;
const flaky = (q: QuestionTally) => q.passedRepeats > 0 && !passed(q);

/** What a later run compares with: per question, whether it passed and its normalised answers. */
export function digestOf(runId: string, tally: RunTally): BaselineDigest {
  const questions: BaselineDigest['questions'] = {};
  for (const [rowId, q] of Object.entries(tally.questions))
    questions[rowId] = { passed: passed(q), answerKeys: q.answerKeys };
  return { runId, questions };
}

/** Per question, whether it passed (every repeat did). */
export function passedByQuestion(tally: RunTally): Map<string, boolean> {
  return new Map(Object.entries(tally.questions).map(([rowId, q]) => [rowId, passed(q)] as const));
}

/** A pass rate as people read it: `66.7%`. */
export function passRateText(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

/** The nearest-rank percentile (p in 0–100) of the values, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface RunMeta {
  runId: string;
  suite: string;
  suiteSha256: string;
  startedAt: string;
  finishedAt: string;
  repeats: number;
}

/**
 * The summary of a run. `order` lists the suite's row ids in file order: every list in the summary follows it.
 * Questions the baseline did not ask are neither regressions nor fixes.
 */
export function summariseRun(
  meta: RunMeta,
  tally: RunTally,
  order: readonly string[],
  baseline?: BaselineDigest,
): RunSummary {
  const asked = order.flatMap((rowId) => {
    const q = tally.questions[rowId];
    return q ? [{ rowId, q, before: baseline?.questions[rowId] }] : [];
  });
  const ids = (keep: (entry: (typeof asked)[number]) => boolean) => asked.filter(keep).map((e) => e.rowId);
  const passedCount = ids(({ q }) => passed(q)).length;
  const errors = ids(({ q }) => !passed(q) && q.noAnswer).length;
  return {
    run_id: meta.runId,
    suite: meta.suite,
    started_at: meta.startedAt,
    finished_at: meta.finishedAt,
    questions: asked.length,
    repeats: meta.repeats,
    passed: passedCount,
    failed: asked.length - passedCount - errors,
    errors,
    pass_rate: asked.length === 0 ? 0 : Math.round((passedCount / asked.length) * 10_000) / 10_000,
    flaky: ids(({ q }) => flaky(q)),
    regressions: ids(({ q, before }) => before !== undefined && before.passed && !passed(q)),
    fixed: ids(({ q, before }) => before !== undefined && !before.passed && passed(q)),
    changed_answers: ids(
      ({ q, before }) =>
        before !== undefined && q.answerKeys.length > 0 && !q.answerKeys.some((key) => before.answerKeys.includes(key)),
    ),
    latency_ms: { p50: percentile(tally.latencies, 50), p95: percentile(tally.latencies, 95) },
    api_requests: tally.apiRequests,
    http_429s: tally.http429s,
    baseline_run_id: baseline?.runId ?? null,
    suite_sha256: meta.suiteSha256,
  };
}
