/**
 * A large, deterministic ReportData (the shape of report.html's input) for the report's size and speed: N
 * questions × R repeats of ~500-character answers drawn from a seeded generator, with failures, errors,
 * regressions, fixed and flaky questions, changed answers, citations, tags and a history of earlier runs.
 * The summary is computed from the rows, so the page's counts agree with its table.
 */
import type { AnswerCitation, TurnStatus } from '../../common/types';
import type { ReportData, ReportRow, RunHistoryPoint } from '../../evaluation/types';
import { mulberry32 } from '../../simulator/random';

export interface GeneratedReportOptions {
  questions: number;
  repeats: number;
  /** Runs in the history, this one included. */
  historyRuns?: number;
  seed?: number;
}

const WORDS = (
  'the a to of and your you can for is in on with request access laptop VPN portal password reset policy ' +
  'expense approval manager ticket IT support team open submit form days leave balance benefits payroll ' +
  'onboarding device account email calendar network printer software install license security badge office'
).split(' ');
const TAGS = ['it', 'hr', 'finance', 'security', 'onboarding', 'facilities', 'smoke', 'slow'];

/** The simulator's seeded generator: the same numbers on every machine. */
const generator = mulberry32;

export function generatedReport(options: GeneratedReportOptions): ReportData {
  const random = generator(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const sentence = (chars: number): string => {
    const words: string[] = [];
    let length = 0;
    while (length < chars) {
      const word = pick(WORDS);
      words.push(word);
      length += word.length + 1;
    }
    return `${words.join(' ')}.`;
  };
  /** The text with a few of its words replaced. */
  const reworded = (text: string): string => {
    const words = text.split(' ');
    const changes = 1 + Math.floor(random() * 5);
    for (let i = 0; i < changes; i++) words[Math.floor(random() * words.length)] = pick(WORDS);
    return words.join(' ');
  };

  const rows: ReportRow[] = [];
  const ids = { passed: 0, failed: 0, errors: 0 };
  const flaky: string[] = [];
  const regressions: string[] = [];
  const fixed: string[] = [];
  const changedAnswers: string[] = [];
  const latencies: number[] = [];
  for (let n = 1; n <= options.questions; n++) {
    const rowId = `q${String(n).padStart(5, '0')}`;
    const question = `Question ${n}: ${sentence(60)}`;
    const tags = [...new Set([pick(TAGS), ...(random() < 0.4 ? [pick(TAGS)] : [])])];
    const baselineAnswer = sentence(500);
    // Most questions pass nearly always; a fifth are hard ones that pass less than half the time.
    const passChance = random() < 0.8 ? 0.98 : 0.4;
    const baselinePassed = random() < passChance;
    const repeats = Array.from({ length: options.repeats }, (_, i) => {
      const status: TurnStatus = random() < 0.02 ? 'ERROR' : 'COMPLETED';
      const passed = status === 'COMPLETED' && random() < passChance;
      const answer = status === 'ERROR' ? '' : random() < 0.4 ? baselineAnswer : reworded(baselineAnswer);
      const latencyMs = status === 'ERROR' ? undefined : Math.round(800 + random() * 4200);
      if (latencyMs !== undefined) latencies.push(latencyMs);
      const citations: AnswerCitation[] = Array.from({ length: Math.floor(random() * 3) }, (_, c) => ({
        citationId: `${rowId}-${i}-${c}`,
        url: `https://kb.example.com/articles/${Math.floor(random() * 5000)}`,
        title: `KB article ${c + 1}`,
        snippet: sentence(80),
      }));
      const failedChecks = passed
        ? []
        : status === 'ERROR'
          ? ['expect_status: ERROR, expected COMPLETED']
          : [`expect_contains "${pick(WORDS)}": not found`];
      return { repeat: i + 1, status, passed, answer, latencyMs, citations, failedChecks };
    });
    const allPassed = repeats.every((r) => r.passed);
    const isFlaky = !allPassed && repeats.some((r) => r.passed);
    const isRegression = baselinePassed && !allPassed;
    const isFixed = !baselinePassed && allPassed;
    const isChanged = repeats.every((r) => r.answer !== baselineAnswer);
    if (allPassed) ids.passed++;
    else if (repeats.some((r) => r.status === 'ERROR')) ids.errors++;
    else ids.failed++;
    if (isFlaky) flaky.push(rowId);
    if (isRegression) regressions.push(rowId);
    if (isFixed) fixed.push(rowId);
    if (isChanged) changedAnswers.push(rowId);
    for (const r of repeats) {
      rows.push({
        rowId,
        line: n + 1,
        question,
        tags,
        ...r,
        regression: isRegression,
        fixed: isFixed,
        changed: isChanged,
        flaky: isFlaky,
        baselineAnswer,
        baselinePassed,
      });
    }
  }

  const runs = options.historyRuns ?? 30;
  const start = Date.UTC(2026, 0, 1);
  const history: RunHistoryPoint[] = Array.from({ length: runs }, (_, i) => ({
    runId: `run-${String(i + 1).padStart(3, '0')}`,
    startedAt: new Date(start + i * 86_400_000).toISOString(),
    passRate: i === runs - 1 ? ids.passed / options.questions : 0.6 + random() * 0.35,
  }));
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  const thisRun = history[runs - 1]!;
  return {
    summary: {
      run_id: thisRun.runId,
      suite: 'generated-suite.csv',
      started_at: thisRun.startedAt,
      finished_at: new Date(Date.parse(thisRun.startedAt) + 600_000).toISOString(),
      questions: options.questions,
      repeats: options.repeats,
      ...ids,
      pass_rate: ids.passed / options.questions,
      flaky,
      regressions,
      fixed,
      changed_answers: changedAnswers,
      latency_ms: { p50: percentile(0.5), p95: percentile(0.95) },
      api_requests: rows.length * 3,
      http_429s: 7,
      baseline_run_id: history[runs - 2]?.runId ?? null,
      suite_sha256: '0'.repeat(64),
    },
    rows,
    history,
  };
}
