/**
 * Fault suite, evaluation runs: `mwbatch eval` against its own Temporal dev server (state in a SQLite file), which
 * is stopped while the run is in flight and started again from that file. The `eval` client may lose Temporal
 * meanwhile (exit 3, naming the `--run` command that resumes the run); it is then run again with `--run`, as its
 * message says, until it exits 0. In the end every question passed and the simulator saw each question asked once,
 * in one conversation each.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { startDevServer } from '../../dev/dev-server';
import { freePort } from '../../dev/ports';
import type { RunSummary } from '../../evaluation/types';
import { tempDir } from '../helpers/batch';
import type { CliRun } from '../helpers/cli';
import { waitFor } from '../helpers/wait';
import { CASE_TIMEOUT_MS, startFaultStack } from './helpers/fault-stack';
import { startCli, type CliProcess, type WorkerProcess } from './helpers/processes';

const QUESTIONS = 30;
const CONCURRENCY = 5;
/** How long Temporal stays away at most: longer than the client's gRPC retries (about 18 s), so it may give up. */
const OUTAGE_MS = 30_000;
const MAX_CLI_RUNS = 4;

/** Waits for the CLI to exit; starts the worker again whenever it exits on its own meanwhile. */
async function untilExit(run: CliProcess, worker: WorkerProcess): Promise<CliRun> {
  let result: CliRun | undefined;
  void run.done.then((r) => (result = r));
  for (;;) {
    await waitFor(
      'the eval client to exit (or the worker to stop)',
      () => result !== undefined || !worker.running,
      120_000,
    );
    if (result) return result;
    await worker.start();
  }
}

describe('fault: Temporal restarted during an evaluation run', { timeout: CASE_TIMEOUT_MS }, () => {
  it('finishes the run after a Temporal restart mid-run, no question asked twice', async () => {
    const dbDir = tempDir('mwbatch-fault-db-');
    onTestFinished(() => rmSync(dbDir, { recursive: true, force: true }));
    const port = await freePort();
    const startServer = () =>
      startDevServer({ cliPath: inject('temporalCli'), port, uiPort: false, dbFilename: join(dbDir, 'temporal.db') });
    let server = await startServer();
    onTestFinished(() => server.stop()); // after the stack is closed (these run in reverse order)
    const stack = await startFaultStack({ name: 'eval-restart', rows: QUESTIONS, temporalAddress: server.address });
    const worker = stack.worker();
    await worker.start();

    // The suite: each question answered 1.5 s after it is asked, so the run is still going when Temporal stops.
    const dir = tempDir('mwbatch-fault-eval-');
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const questions = stack.questions.map((q) => `${q} [sim:delay=1500]`);
    const suite = join(dir, 'restart.csv');
    const rows = questions.map((question, i) => ({ id: `q${i}`, question, expect_contains: 'Simulated answer' }));
    writeFileSync(suite, stringify(rows, { header: true }));
    const out = join(dir, 'runs');
    const suiteDir = join(out, 'restart');
    const env = { TEMPORAL_ADDRESS: stack.address, TEMPORAL_TASK_QUEUE: stack.taskQueue };
    const asked = () => questions.filter((q) => stack.sim.stats().submissionsByQuestion[q] !== undefined).length;

    let cli = startCli(['eval', suite, '--out', out, '--concurrency', String(CONCURRENCY)], env);
    let firstRun: CliRun | undefined;
    void cli.done.then((r) => (firstRun = r));
    // The run id is the name of the run's folder, where run.json is written when the run starts.
    const runId = await waitFor(
      'the run to start and a few questions to be asked',
      () => {
        if (firstRun !== undefined) return 'ended';
        const [id] = existsSync(suiteDir) ? readdirSync(suiteDir) : [];
        return id !== undefined && existsSync(join(suiteDir, id, 'run.json')) && asked() >= 2 * CONCURRENCY && id;
      },
      90_000,
    );
    expect(firstRun, `the eval client ended before Temporal could be stopped: ${firstRun?.stderr}`).toBeUndefined();
    const askedBeforeStop = asked();
    expect(askedBeforeStop).toBeLessThan(QUESTIONS);

    await server.stop();
    await waitFor('the eval client to give up', () => firstRun !== undefined, OUTAGE_MS).catch(() => undefined);
    const clientGaveUp = firstRun !== undefined;
    server = await startServer();
    expect(server.address).toBe(stack.address);

    const exits: CliRun[] = [];
    for (;;) {
      const run = await untilExit(cli, worker);
      exits.push(run);
      if (run.code !== 3 || exits.length === MAX_CLI_RUNS) break;
      // Temporal was away: the message names the command that resumes the run; run it.
      expect(run.stderr).toContain(`--run ${runId}`);
      cli = startCli(['eval', suite, '--out', out, '--run', runId], env);
    }
    for (const resumed of exits.slice(1)) expect(resumed.stderr).toContain(`resuming run ${runId}`);
    const codes = exits.map((r) => r.code);
    console.log(
      `fault=eval-restart questions=${QUESTIONS} askedBeforeStop=${askedBeforeStop} clientGaveUp=${clientGaveUp} ` +
        `cliExitCodes=${codes.join('/')} workerRestarts=${worker.starts - 1}`,
    );
    expect(codes.at(-1), `the eval client ended with ${codes.join(', ')}:\n${exits.at(-1)?.stderr}`).toBe(0);

    const summary = JSON.parse(readFileSync(join(suiteDir, runId, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary).toMatchObject({ run_id: runId, questions: QUESTIONS, passed: QUESTIONS, failed: 0, errors: 0 });
    const stats = stack.sim.stats();
    for (const q of questions) expect({ q, asked: stats.submissionsByQuestion[q] }).toEqual({ q, asked: 1 });
    expect(stats.conversationsCreated).toBe(QUESTIONS);
  });
});
