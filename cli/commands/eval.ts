/** `mwbatch eval SUITE`, `mwbatch runs [SUITE]` and `mwbatch report RUN_DIR`: evaluation runs (evaluation/). */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_TURN_DEADLINE_MS, resolveTurnSettings } from '../../common/types';
import { ConfigError } from '../../common/errors';
import { readUserFile } from '../../common/user-file';
import { logText, printJson, printTable, printText } from '../output';
import { batchPollSchedule, setApiRateLimit } from '../../batch/rate-limit';
import { runEvaluation, type FailOn } from '../../evaluation/run-eval';
import {
  checkRunId,
  DEFAULT_RUNS_DIR,
  historyOf,
  latestRun,
  newRunId,
  openRunFolder,
  pastRuns,
  readRunRecords,
  suitesIn,
  type PastRun,
} from '../../evaluation/run-folder';
import { reportData, resummarise, writeReport } from '../../evaluation/run-files';
import { formatSuiteProblems, readSuite } from '../../evaluation/suite';
import { passRateText } from '../../evaluation/summary';
import type { RunSummary } from '../../evaluation/types';
import { deadlineOption, modeOption, positiveInt, positiveNumber, withClient } from './common';

/** Repeats above this are almost certainly a typo (and multiply the API calls). */
const MAX_REPEATS = 100;

export function repeatCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_REPEATS) throw new ConfigError(`--repeat: at most ${MAX_REPEATS}`);
  return n;
}

const ms = (value: number | null) => (value === null ? '-' : `${(value / 1000).toFixed(1)} s`);

/** The lines a person reads at the end of a run: counts, what changed against the baseline, where the files are. */
function summaryLines(summary: RunSummary, questionOf: (rowId: string) => string): string[] {
  const lines = [
    `run ${summary.run_id} of suite ${summary.suite}: ${summary.questions} questions × ${summary.repeats}: ` +
      `${summary.passed} passed, ${summary.failed} failed, ${summary.errors} errors (pass rate ${passRateText(summary.pass_rate)})`,
  ];
  if (summary.baseline_run_id !== null) {
    lines.push(
      `against ${summary.baseline_run_id}: ${summary.regressions.length} regressions, ${summary.fixed.length} fixed, ` +
        `${summary.changed_answers.length} changed answers`,
    );
    for (const id of summary.regressions) lines.push(`  regression ${id}: ${questionOf(id)}`);
    for (const id of summary.fixed) lines.push(`  fixed ${id}: ${questionOf(id)}`);
  }
  if (summary.flaky.length > 0) lines.push(`flaky: ${summary.flaky.join(', ')}`);
  lines.push(
    `latency p50 ${ms(summary.latency_ms.p50)}, p95 ${ms(summary.latency_ms.p95)}; ` +
      `${summary.api_requests} API requests, ${summary.http_429s} answered 429`,
  );
  return lines;
}

async function resolveBaseline(value: string | undefined, runsDir: string, suite: string, runId: string) {
  if (value === undefined) return undefined;
  if (value !== 'latest') return openRunFolder(value, '--baseline');
  const latest = await latestRun(runsDir, suite, runId);
  if (latest === undefined)
    console.error(`--baseline latest: no earlier run of ${suite} in ${runsDir}; nothing to compare with`);
  return latest;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('run an evaluation suite: a new run asks every question, checks the answers, compares with a baseline')
    .argument('<suite>', 'CSV of questions (as for submit) with optional expect_* check columns')
    .option('--run <id>', 'resume this run (default: a new run with a new id)', checkRunId)
    .option('--out <dir>', 'runs folder; a run lands in <dir>/<suite>/<run id>/', DEFAULT_RUNS_DIR)
    .option('--baseline <dir|latest>', "compare with this run's folder, or with the suite's latest run")
    .option('--repeat <n>', 'ask each question n times, each in a new conversation', repeatCount, 1)
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 20)
    .option('--rps <r>', 'global API budget in requests per second, shared by every worker', positiveNumber)
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .option('--junit <file>', 'also write the JUnit XML here (it is always in the run folder)')
    .addOption(
      new Option('--fail-on <when>', 'exit 1 on a regression, on any failed question, or never')
        .choices(['regression', 'failure', 'never'])
        .default('regression'),
    )
    .action(async (path: string, opts) => {
      const suite = await readUserFile(path, readSuite);
      if (suite.problems.length > 0) {
        const lines = formatSuiteProblems(path, suite.problems);
        throw new ConfigError(`${lines.join('\n')}\n${lines.length} problem(s); nothing was asked.`);
      }
      const runId: string = opts.run ?? newRunId();
      const baseline: PastRun | undefined = await resolveBaseline(opts.baseline, opts.out, suite.name, runId);
      process.exitCode = await withClient(async (client, settings) => {
        if (opts.rps) await setApiRateLimit(client, settings.taskQueue, opts.rps);
        const poll = await batchPollSchedule(client, settings.taskQueue, { rps: opts.rps });
        process.once('SIGINT', () => {
          console.error(`\nDetached: the run goes on in Temporal. Resume with: mwbatch eval ${path} --run ${runId}`);
          process.exit(130);
        });
        const outcome = await runEvaluation(client, suite, {
          runId,
          resuming: opts.run !== undefined,
          runsDir: opts.out,
          baseline,
          repeats: opts.repeat,
          concurrency: opts.concurrency,
          taskQueue: settings.taskQueue,
          settings: resolveTurnSettings({ deadlineMs: opts.deadline, poll, mode: opts.mode }),
          junitPath: opts.junit,
          failOn: opts.failOn as FailOn,
          log: logText,
        });
        const questions = new Map(suite.rows.map((row) => [row.rowId, row.question]));
        for (const line of summaryLines(outcome.summary, (id) => questions.get(id) ?? '')) printText(line);
        printText(`files: ${outcome.dir} (results.csv, results.jsonl, summary.json, junit.xml, report.html)`);
        return outcome.exitCode;
      });
    });

  program
    .command('runs')
    .description('list the past evaluation runs of a suite (or of every suite) in the runs folder')
    .argument('[suite]', "the suite's name (its file name without .csv)")
    .option('--out <dir>', 'runs folder', DEFAULT_RUNS_DIR)
    .option('--json', "one JSON array on stdout: each run's folder and its summary.json")
    .action(async (suite: string | undefined, opts: { out: string; json?: boolean }) => {
      const suites = suite === undefined ? await suitesIn(opts.out) : [suite.replace(/\.csv$/i, '')];
      const runs: PastRun[] = [];
      for (const name of suites) runs.push(...(await pastRuns(opts.out, name)));
      if (opts.json) return printJson(runs.map(({ dir, summary }) => ({ dir, summary })));
      if (runs.length === 0) {
        console.error(`no finished runs${suite ? ` of ${suite}` : ''} in ${opts.out}`);
        return;
      }
      printTable(
        ['suite', 'run', 'started (UTC)', 'questions', 'repeats', 'pass rate', 'regressions', 'p50', 'p95', 'folder'],
        runs.map(({ dir, summary: s }) => [
          s.suite,
          s.run_id,
          s.started_at.replace('T', ' ').slice(0, 16),
          String(s.questions),
          String(s.repeats),
          passRateText(s.pass_rate),
          String(s.regressions.length),
          ms(s.latency_ms.p50),
          ms(s.latency_ms.p95),
          dir,
        ]),
      );
    });

  program
    .command('report')
    .description("rebuild a run's report.html from its files (optionally against another baseline)")
    .argument('<run-dir>', "a run's folder")
    .option('--baseline <dir>', "compare with this run's folder instead of the run's own baseline")
    .action(async (dir: string, opts) => {
      const run = await openRunFolder(dir, 'report');
      const records = await readRunRecords(dir);
      const suiteRuns = await pastRuns(join(dir, '..', '..'), run.summary.suite);
      const baselineRun: PastRun | undefined = opts.baseline
        ? await openRunFolder(opts.baseline, '--baseline')
        : suiteRuns.find((r) => r.summary.run_id === run.summary.baseline_run_id);
      const baselineRecords = baselineRun ? await readRunRecords(baselineRun.dir) : [];
      const summary = baselineRun
        ? resummarise(run.summary, records, { summary: baselineRun.summary, records: baselineRecords })
        : run.summary;
      const history = historyOf(suiteRuns.filter((r) => r.summary.started_at <= run.summary.started_at));
      const path = await writeReport(dir, reportData(summary, records, baselineRecords, history));
      printText(`wrote ${path}`);
    });
}
