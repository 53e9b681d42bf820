/**
 * `mwbatch schedule create|list|describe|pause|unpause|trigger|backfill|delete|runs`: scheduled evaluation runs on
 * Temporal Schedules (evaluation/schedules.ts). Each run is an `evaluationRunWorkflow` run by the workers end to
 * end: nothing here has to stay awake.
 */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { durationMs } from '../../common/duration';
import { ConfigError } from '../../common/errors';
import { printJson, printTable, printText } from '../output';
import { readUserFile } from '../../common/user-file';
import { DEFAULT_TURN_DEADLINE_MS, resolveTurnSettings } from '../../common/types';
import { batchPollSchedule } from '../../batch/rate-limit';
import { NOTIFY_POLICIES } from '../../evaluation/notify-policy';
import { conversationsOf, suiteOf } from '../../evaluation/run-input';
import {
  checkEnvName,
  checkScheduleName,
  createSchedule,
  describeSchedule,
  describedSpec,
  OVERLAP_CHOICES,
  scheduledRunInput,
  scheduledRuns,
  scheduleInputOf,
  type Overlap,
} from '../../evaluation/schedules';
import { formatSuiteProblems, readSuite, suiteName } from '../../evaluation/suite';
import { passRateText } from '../../evaluation/summary';
import type { NotifyPolicy } from '../../evaluation/types';
import { deadlineOption, modeOption, positiveInt, positiveNumber, withClient } from './common';
import { repeatCount } from './eval';

const when = (date: Date | undefined) => (date ? date.toISOString().replace('T', ' ').slice(0, 19) : '-');

/** `--every 24h`, `10s`, `90m`: Temporal's own duration syntax (the `ms` library), at least one second. */
function seconds(option: string) {
  return (value: string): number => {
    const ms = durationMs(value);
    if (ms === undefined) throw new ConfigError(`${option}: "${value}" is not a duration such as 10s, 30m or 24h`);
    if (ms < 1_000) throw new ConfigError(`${option}: at least 1s`);
    return ms;
  };
}

function date(option: string) {
  return (value: string): Date => {
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime()))
      throw new ConfigError(`${option}: "${value}" is not a date (e.g. 2026-11-20T06:00Z)`);
    return parsed;
  };
}

function timezone(value: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new ConfigError(`--timezone: "${value}" is not an IANA time zone (e.g. Europe/Paris)`);
  }
  return value;
}

async function createCommand(name: string, opts: Record<string, unknown>): Promise<void> {
  if ((opts.cron === undefined) === (opts.every === undefined)) {
    throw new ConfigError('schedule create: give exactly one of --cron and --every');
  }
  if ((opts.suite === undefined) === (opts.suitePath === undefined)) {
    throw new ConfigError('schedule create: give exactly one of --suite and --suite-path');
  }
  // --suite: the rows travel in the schedule. --suite-path: a path on the workers, checked here when it is visible.
  const path = (opts.suite ?? opts.suitePath) as string;
  const local = opts.suite !== undefined || existsSync(path);
  const suite = local ? await readUserFile(path, readSuite) : undefined;
  if (suite && suite.problems.length > 0) {
    const lines = formatSuiteProblems(path, suite.problems);
    throw new ConfigError(`${lines.join('\n')}\n${lines.length} problem(s); the schedule was not created.`);
  }
  if (!local) console.error(`note: ${path} is not readable here; the workers read it when each run starts`);
  await withClient(async (client, settings) => {
    const poll = await batchPollSchedule(client, settings.taskQueue, { rps: opts.rps as number | undefined });
    const input = scheduledRunInput({
      suite: suite && opts.suite !== undefined ? suiteOf(suite) : { name: suiteName(path), sha256: '', columns: [] },
      conversations: suite && opts.suite !== undefined ? conversationsOf(suite) : [],
      suitePath: opts.suitePath as string | undefined,
      name,
      notify: opts.notify as NotifyPolicy,
      notifyUrlEnv: opts.notifyEnv as string | undefined,
      repeats: opts.repeat as number,
      concurrency: opts.concurrency as number,
      settings: resolveTurnSettings({
        deadlineMs: opts.deadline as number,
        poll,
        mode: opts.mode as 'poll' | 'stream',
      }),
    });
    const handle = await createSchedule(client, {
      name,
      input,
      suiteLabel: path,
      cron: opts.cron as string | undefined,
      everyMs: opts.every as number | undefined,
      timezone: opts.timezone as string | undefined,
      overlap: opts.overlap as Overlap,
      catchupWindowMs: opts.catchupWindow as number,
      taskQueue: settings.taskQueue,
    });
    const { info } = await handle.describe();
    printText(`created schedule ${name}; next runs: ${info.nextActionTimes.slice(0, 3).map(when).join(', ')}`);
  });
}

/** One action on a schedule of evaluation runs (a missing one, or one of other workflows, is exit 2), then `done`. */
async function onSchedule(
  name: string,
  act: (handle: ScheduleHandle) => Promise<unknown>,
  done: string,
): Promise<void> {
  await withClient(async (client) => {
    await describeSchedule(client, name);
    await act(client.schedule.getHandle(name));
    printText(done);
  });
}

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('scheduled evaluation runs, on Temporal Schedules (run by the workers, nothing stays awake here)');

  schedule
    .command('create')
    .description('create a schedule of evaluation runs of a suite')
    .argument('<name>', 'the schedule id', checkScheduleName)
    .option('--suite <file>', 'the suite CSV: its rows travel in the schedule (encrypted when a key is set)')
    .option(
      '--suite-path <path>',
      'a suite CSV the workers read when each run starts (for suites over the payload limit)',
    )
    .option('--cron <expr>', 'when to run, as a cron expression (e.g. "0 6 * * 1-5")')
    .option('--every <duration>', 'or every so long (e.g. 24h, 10s)', seconds('--every'))
    .option('--timezone <tz>', 'time zone of --cron (IANA, e.g. Europe/Paris; default UTC)', timezone)
    .option('--repeat <n>', 'ask each question n times, each in a new conversation', repeatCount, 1)
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 20)
    .option('--rps <r>', 'no inline polls (the API budget itself is MWBATCH_RPS on the workers)', positiveNumber)
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .addOption(
      new Option('--notify <when>', 'when to POST to the webhook')
        .choices([...NOTIFY_POLICIES])
        .default('on-regression'),
    )
    .option(
      '--notify-env <VAR>',
      "the workers' environment variable holding the webhook URL (default MWBATCH_NOTIFY_URL)",
      checkEnvName,
    )
    .addOption(
      new Option('--overlap <policy>', 'a run due while the last one runs').choices(OVERLAP_CHOICES).default('SKIP'),
    )
    .option(
      '--catchup-window <duration>',
      'runs missed while Temporal was down are taken if this recent',
      seconds('--catchup-window'),
      10 * 60_000,
    )
    .action(async (name: string, opts) => createCommand(name, opts));

  schedule
    .command('list')
    .description('the schedules of evaluation runs')
    .action(async () => {
      await withClient(async (client) => {
        const lines: string[][] = [];
        for await (const s of client.schedule.list()) {
          if (s.action?.workflowType !== 'evaluationRunWorkflow') continue;
          lines.push([
            s.scheduleId,
            String(s.memo?.suite ?? ''),
            typeof s.memo?.spec === 'string' ? s.memo.spec : '',
            s.state.paused ? `paused${s.state.note ? `: ${s.state.note}` : ''}` : 'active',
            when(s.info.nextActionTimes[0]),
          ]);
        }
        if (lines.length === 0) return console.error('no schedules of evaluation runs');
        printTable(['name', 'suite', 'when', 'state', 'next run (UTC)'], lines);
      });
    });

  schedule
    .command('describe')
    .argument('<name>')
    .description('a schedule: when, its next 5 run times, its last runs')
    .action(async (name: string) => {
      await withClient(async (client) => {
        const d = await describeSchedule(client, name);
        const input = scheduleInputOf(d);
        const runs = await scheduledRuns(client, name, 10);
        printText(`schedule ${name}: ${describedSpec(d)}`);
        printText(
          `  suite ${input?.suite.name ?? '?'}${input?.suitePath ? ` (read from ${input.suitePath})` : ''}, ` +
            `repeat ${input?.repeats ?? 1}, notify ${input?.schedule?.notify ?? '?'}`,
        );
        printText(
          `  state: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}; ` +
            `overlap ${d.policies.overlap}, catch-up window ${Math.round(d.policies.catchupWindow / 1000)}s`,
        );
        printText(`  next runs (UTC): ${d.info.nextActionTimes.slice(0, 5).map(when).join(', ') || '-'}`);
        printText(`  runs taken: ${d.info.numActionsTaken}, skipped for overlap: ${d.info.numActionsSkippedOverlap}`);
        for (const run of runs.slice(0, 5)) printText(`  ${runLine(run)}`);
      });
    });

  for (const [verb, describe] of [
    ['pause', 'pause a schedule (runs in progress go on)'],
    ['unpause', 'resume a paused schedule'],
  ] as const) {
    schedule
      .command(verb)
      .argument('<name>')
      .option('--note <text>', 'why (shown by describe and list)')
      .description(describe)
      .action(async (name: string, opts: { note?: string }) => {
        await onSchedule(
          name,
          (handle) => (verb === 'pause' ? handle.pause(opts.note) : handle.unpause(opts.note)),
          `${verb}d schedule ${name}`,
        );
      });
  }

  schedule
    .command('trigger')
    .argument('<name>')
    .description('start a run now (the overlap policy still applies)')
    .action(async (name: string) => {
      await onSchedule(name, (handle) => handle.trigger(), `triggered a run of ${name}`);
    });

  schedule
    .command('backfill')
    .argument('<name>')
    .requiredOption('--from <date>', 'start of the period (ISO date/time)', date('--from'))
    .requiredOption('--to <date>', 'end of the period', date('--to'))
    .description('take the runs the schedule would have taken over a past period')
    .action(async (name: string, opts: { from: Date; to: Date }) => {
      if (opts.to <= opts.from) throw new ConfigError('backfill: --to must be after --from');
      await onSchedule(
        name,
        (handle) => handle.backfill([{ start: opts.from, end: opts.to, overlap: ScheduleOverlapPolicy.BUFFER_ALL }]),
        `backfilling ${name} from ${when(opts.from)} to ${when(opts.to)}`,
      );
    });

  schedule
    .command('delete')
    .argument('<name>')
    .description('delete a schedule (its past runs and their files stay)')
    .action(async (name: string) => {
      await onSchedule(name, (handle) => handle.delete(), `deleted schedule ${name}`);
    });

  schedule
    .command('runs')
    .argument('<name>')
    .option('--json', 'one JSON array: each run with its status and summary')
    .description("a schedule's runs, from Temporal alone: date, pass rate, regressions, where the report is")
    .action(async (name: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const runs = await scheduledRuns(client, name);
        if (opts.json) {
          const rows = runs.map((r) => ({
            workflow_id: r.workflowId,
            status: r.status,
            started_at: r.startedAt.toISOString(),
            summary: r.summary ?? null,
          }));
          printJson(rows);
          return;
        }
        if (runs.length === 0) return console.error(`no runs of ${name} yet`);
        for (const run of runs) printText(runLine(run));
      });
    });
}

function runLine(run: Awaited<ReturnType<typeof scheduledRuns>>[number]): string {
  const s = run.summary;
  if (s === undefined) return `${when(run.startedAt)}  ${run.status.toLowerCase()}  ${run.workflowId}`;
  const notified = s.notification
    ? `, notified: ${s.notification.delivered ? 'yes' : `no (${s.notification.error})`}`
    : '';
  return (
    `${when(run.startedAt)}  ${s.run_id}  pass rate ${passRateText(s.pass_rate)}  ` +
    `${s.regressions.length} regressions${s.regressions.length ? ` (${s.regressions.join(', ')})` : ''}  ` +
    `report ${s.run_dir ? `${s.run_dir}/report.html` : '-'}${notified}`
  );
}
