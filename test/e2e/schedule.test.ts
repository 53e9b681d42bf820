/**
 * Scheduled evaluation runs end to end on the dev server: `mwbatch schedule …` as a user runs it, a `mwbatch worker`
 * process (killed with SIGKILL in one test), the simulator, and a local webhook receiver. Two runs of a schedule with
 * the simulator's answers changed in between: the second finds the regression and the webhook gets exactly one
 * notification (after answering 500, then 429); pause stops the runs, trigger starts one; a killed worker's run
 * completes with each question asked once; the webhook URL appears in no history and no log.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { BATCH_ID, evaluationBatchId } from '../../common/names';
import { scheduledRuns, type ScheduledRunLine } from '../../evaluation/schedules';
import type { RunSummary } from '../../evaluation/types';
import { tempDir } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { useSimulator } from '../helpers/simulator';
import { waitFor } from '../helpers/wait';
import { WorkerProcess } from '../fault/helpers/processes';

interface Delivery {
  idempotencyKey?: string;
  body: string;
  answered: number;
}

const sim = useSimulator({ answerDelayMs: 200 }, { reset: 'never' });
const taskQueue = `schedule-${randomUUID()}`;
const runsDir = tempDir('mwbatch-runs-');
const secretPath = `/hooks/SECRET-${randomUUID()}`;
const deliveries: Delivery[] = [];
/** The statuses the receiver answers with, in order; then 200. */
const replies: number[] = [];
let receiver: Server;
let webhookUrl = '';
let worker: WorkerProcess;
let client: Client;
const cliEnv = () => ({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue });

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    void readBody(req).then((body) => {
      const answered = replies.shift() ?? 200;
      deliveries.push({ idempotencyKey: req.headers['idempotency-key'] as string | undefined, body, answered });
      res.writeHead(answered, answered === 429 ? { 'retry-after': '1' } : {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${secretPath}`;
  worker = new WorkerProcess('scheduled', {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MOVEWORKS_BASE_URL: sim.baseUrl,
    MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
    MOVEWORKS_TOKEN: sim.config.token,
    MWBATCH_RUNS_DIR: runsDir,
    MWBATCH_NOTIFY_URL: webhookUrl,
    MWBATCH_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  });
  await worker.start();
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

function writeSuite(name: string, rows: Record<string, string>[]): string {
  const path = join(tempDir(), name);
  writeFileSync(path, stringify(rows, { header: true, columns: Object.keys(rows[0]!) }));
  return path;
}

/** The schedule's finished runs, oldest first. */
async function finishedRuns(name: string): Promise<(ScheduledRunLine & { summary: RunSummary })[]> {
  const runs = await scheduledRuns(client, name);
  return runs.filter((r): r is ScheduledRunLine & { summary: RunSummary } => r.summary !== undefined).reverse();
}

async function waitForRuns(name: string, count: number, timeoutMs = 90_000) {
  let runs: Awaited<ReturnType<typeof finishedRuns>> = [];
  await waitFor(
    `${count} finished run(s) of ${name}`,
    async () => (runs = await finishedRuns(name)).length >= count,
    timeoutMs,
  );
  return runs;
}

describe('scheduled evaluation runs', () => {
  it('runs on schedule, finds the regression, notifies once, pauses and triggers', async () => {
    const name = `nightly-${randomUUID().slice(0, 8)}`;
    const [stable, breaks] = ['Is the scheduled stable question fine?', 'Will this scheduled question break?'];
    const suite = writeSuite('nightly.csv', [
      { id: 'stable', question: stable, expect_contains: 'Simulated answer' },
      { id: 'breaks', question: breaks, expect_contains: 'Simulated answer' },
    ]);
    const created = await runCli(
      ['schedule', 'create', name, '--suite', suite, '--every', '10s', '--notify', 'on-regression'],
      cliEnv(),
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created schedule ${name}`);
    const list = await runCli(['schedule', 'list'], cliEnv());
    expect(list.stdout).toMatch(new RegExp(`${name}\\s+nightly\\s+every 10s\\s+active`));

    const [first] = await waitForRuns(name, 1);
    expect(first!.summary).toMatchObject({ passed: 2, regressions: [], baseline_run_id: null, schedule: name });
    expect(first!.summary.notification).toBeUndefined(); // no regression: the policy called for nothing
    sim.configure({ answers: { [breaks]: 'I cannot help with that.' } });
    replies.push(500, 429);

    const runs = await waitForRuns(name, 2);
    sim.configure({ answers: {} });
    const second = runs[1]!.summary;
    expect(second).toMatchObject({
      baseline_run_id: first!.summary.run_id,
      regressions: ['breaks'],
      changed_answers: ['breaks'],
      notification: { delivered: true, attempts: 3 },
    });
    // Exactly one notification delivered, after a 500 and a 429, each POST with the run id as its idempotency key.
    expect(deliveries.map((d) => d.answered)).toEqual([500, 429, 200]);
    expect(new Set(deliveries.map((d) => d.idempotencyKey))).toEqual(new Set([second.run_id]));
    const text = (JSON.parse(deliveries[2]!.body) as { text: string }).text;
    expect(text).toContain('breaks');
    expect(text).toContain(breaks);
    expect(text).toContain(`${second.run_dir!}/report.html`);

    // The worker wrote the run's files; `schedule runs` reads Temporal alone.
    expect(second.run_dir).toBe(join(runsDir, 'nightly', second.run_id));
    expect(existsSync(join(second.run_dir!, 'report.html'))).toBe(true);
    expect(JSON.parse(readFileSync(join(second.run_dir!, 'summary.json'), 'utf8'))).toMatchObject({
      regressions: ['breaks'],
    });
    const listed = await runCli(['schedule', 'runs', name, '--json'], cliEnv());
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { summary: RunSummary | null }[];
    expect(rows.filter((r) => r.summary?.run_id === second.run_id)).toHaveLength(1);

    // The webhook URL is a secret: in no history of the run (its workflows and their children) and no log.
    const workflowIds = [runs[1]!.workflowId];
    const batch = evaluationBatchId('nightly', second.run_id);
    for await (const wf of client.workflow.list({ query: `${BATCH_ID.name} = "${batch}"` }))
      workflowIds.push(wf.workflowId);
    expect(workflowIds.length).toBeGreaterThan(4);
    for (const id of workflowIds) {
      const history = JSON.stringify(await client.workflow.getHandle(id).fetchHistory());
      expect(history).not.toContain(secretPath);
    }
    const schedule = JSON.stringify(await client.schedule.getHandle(name).describe());
    expect(schedule).not.toContain(secretPath);
    expect(worker.output()).not.toContain(secretPath);
    expect(worker.output()).not.toContain(webhookUrl);

    // Paused: the next due time passes without a run. Triggered: one runs at once.
    const paused = await runCli(['schedule', 'pause', name, '--note', 'holiday freeze'], cliEnv());
    expect(paused.code).toBe(0);
    const described = await runCli(['schedule', 'describe', name], cliEnv());
    expect(described.stdout).toContain('paused (holiday freeze)');
    expect(described.stdout).toContain('every 10s');
    const taken = (await client.schedule.getHandle(name).describe()).info.numActionsTaken;
    const dueBy = Date.now() + 13_000; // one interval and a margin: absence can only be seen by letting time pass
    await waitFor('the paused schedule to pass a due time', () => Date.now() > dueBy, 20_000);
    expect((await client.schedule.getHandle(name).describe()).info.numActionsTaken).toBe(taken);
    const triggered = await runCli(['schedule', 'trigger', name], cliEnv());
    expect(triggered.code).toBe(0);
    await waitForRuns(name, taken + 1);

    const deleted = await runCli(['schedule', 'delete', name], cliEnv());
    expect(deleted.code).toBe(0);
    const gone = await runCli(['schedule', 'describe', name], cliEnv());
    expect(gone.code).toBe(2);
  });

  it('completes a run whose worker was killed mid-run, each question asked once', async () => {
    const name = `killed-${randomUUID().slice(0, 8)}`;
    const questions = Array.from({ length: 12 }, (_, i) => `Scheduled question asked through a worker kill ${i}?`);
    const suite = writeSuite(
      'killed.csv',
      questions.map((question) => ({ question: `${question} [sim:delay=1500]`, expect_contains: 'Simulated answer' })),
    );
    const created = await runCli(
      ['schedule', 'create', name, '--suite', suite, '--every', '24h', '--concurrency', '3', '--notify', 'never'],
      cliEnv(),
    );
    expect(created.code, created.stderr).toBe(0);
    expect((await runCli(['schedule', 'trigger', name], cliEnv())).code).toBe(0);
    const asked = () => questions.filter((q) => sim.stats().submissionsByQuestion[`${q} [sim:delay=1500]`]).length;
    await waitFor('a few questions to be asked', () => asked() >= 4, 60_000);
    await worker.kill();
    await worker.start();

    const [run] = await waitForRuns(name, 1, 120_000);
    expect(run!.summary).toMatchObject({ questions: 12, passed: 12 });
    for (const q of questions) {
      expect({ q, asked: sim.stats().submissionsByQuestion[`${q} [sim:delay=1500]`] }).toEqual({ q, asked: 1 });
    }
    await runCli(['schedule', 'delete', name], cliEnv());
  });

  it('backfills the runs a schedule would have taken over a past period', async () => {
    const name = `backfill-${randomUUID().slice(0, 8)}`;
    const suite = writeSuite('backfill.csv', [
      { question: 'Backfilled question?', expect_contains: 'Simulated answer' },
    ]);
    const created = await runCli(
      ['schedule', 'create', name, '--suite', suite, '--every', '1h', '--notify', 'never'],
      cliEnv(),
    );
    expect(created.code, created.stderr).toBe(0);
    // Hourly times fall on whole hours: a window from 2.5 h ago to now holds two or three of them.
    const to = new Date();
    const from = new Date(to.getTime() - 2.5 * 3600_000);
    const hours = Math.floor(to.getTime() / 3600_000) - Math.ceil(from.getTime() / 3600_000) + 1;
    const backfill = await runCli(
      ['schedule', 'backfill', name, '--from', from.toISOString(), '--to', to.toISOString()],
      cliEnv(),
    );
    expect(backfill.code, backfill.stderr).toBe(0);
    const runs = await waitForRuns(name, hours, 120_000);
    expect(runs).toHaveLength(hours);
    expect(runs.every((r) => r.summary.passed === 1)).toBe(true);
    await runCli(['schedule', 'delete', name], cliEnv());
  });
});
