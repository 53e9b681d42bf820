/**
 * Secrets stay secret across a whole batch: the full history of every workflow, the worker's log (JSON lines at
 * debug level: the SDK's, the core's and the API calls' lines too), its /metrics and the CLI's output hold no
 * bearer token, client secret or encryption key; with a key set, the history holds ciphertext only.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../dev/ports';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { MWBATCH_BIN, REPO_ROOT, runCli } from '../helpers/cli';
import { useSimulator } from '../helpers/simulator';
import { waitFor } from '../helpers/wait';

const clientSecret = `secret-${randomUUID()}`;
const encryptionKey = randomBytes(32).toString('base64');
const taskQueue = `secrets-${randomUUID()}`;
const sim = useSimulator({ clientSecret, tokenTtlSeconds: 2, answerDelayMs: 200 }, { reset: 'never' });
let worker: ChildProcess;
let workerLog = '';
let metricsUrl = '';

beforeAll(async () => {
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  worker = spawn(process.execPath, [MWBATCH_BIN, 'worker'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      MOVEWORKS_BASE_URL: sim.baseUrl,
      MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
      MOVEWORKS_CLIENT_ID: sim.config.clientId,
      MOVEWORKS_CLIENT_SECRET: clientSecret,
      MOVEWORKS_TOKEN_URL: sim.tokenUrl,
      MWBATCH_ENCRYPTION_KEY: encryptionKey,
      MWBATCH_LOG_FORMAT: 'json',
      MWBATCH_LOG_LEVEL: 'debug',
      MWBATCH_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    },
  });
  worker.stdout?.on('data', (d) => (workerLog += d));
  worker.stderr?.on('data', (d) => (workerLog += d));
  await waitFor('the worker to start polling', () => workerLog.includes('payloads encrypted'), 60_000);
});

afterAll(async () => {
  const exited = new Promise((resolve) => worker?.once('exit', resolve));
  worker?.kill('SIGTERM');
  await exited;
});

describe('secrets across a batch', () => {
  it('appear in no history, log or output, and questions and answers are stored encrypted', async () => {
    const dir = tempDir();
    const question = `Which secret-free question is this? ${randomUUID()}`;
    const file = writeCsv(dir, 'q.csv', ['id,question', `a,${question}`, 'b,second question', 'c,doomed [sim:fail]']);
    const out = join(dir, 'out');
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      MWBATCH_ENCRYPTION_KEY: encryptionKey,
    };
    const run = await runCli(['submit', file, '--batch', 'e2e-secrets', '--out', out], env);
    expect(run.code).toBe(1); // the doomed row
    expect(readResultsCsv(out).find((r) => r.id === 'a')?.status).toBe('COMPLETED');
    expect(sim.requests().filter((r) => r.route === '/oauth/v1/token').length).toBeGreaterThan(0);

    // Every workflow of the batch, exported as an operator would, without the key.
    const cli = inject('temporalCli');
    const address = inject('temporalAddress');
    const ids = execFileSync(
      cli,
      ['workflow', 'list', '--query', 'BatchId="e2e-secrets"', '--address', address, '--output', 'json'],
      {
        encoding: 'utf8',
      },
    );
    const workflowIds = (JSON.parse(ids) as { execution: { workflowId: string } }[]).map((w) => w.execution.workflowId);
    expect(workflowIds).toHaveLength(3);
    const histories = workflowIds
      .map((id) =>
        execFileSync(cli, ['workflow', 'show', '--workflow-id', id, '--address', address, '--output', 'json'], {
          encoding: 'utf8',
        }),
      )
      .join('\n');
    const decoded = [...histories.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
      Buffer.from(m[1]!, 'base64').toString('latin1'),
    );
    // Every line of the worker's log is one JSON object.
    const logLines = workerLog.split('\n').filter(Boolean);
    for (const line of logLines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(logLines.some((line) => line.includes('Moveworks API POST /conversations answered 201'))).toBe(true);
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('mwbatch_api_requests');
    const everything = [
      histories,
      ...decoded,
      workerLog,
      metrics,
      run.stdout,
      run.stderr,
      readFileSync(join(out, 'results.jsonl'), 'utf8'),
    ].join('\n');

    for (const secret of [clientSecret, encryptionKey, 'mwt_']) expect(everything).not.toContain(secret);
    // Without the key the history shows ciphertext only.
    const historyText = [histories, ...decoded].join('\n');
    expect(historyText).toContain(Buffer.from('binary/encrypted').toString('base64')); // metadata values are base64
    expect(historyText).not.toContain(question);
    expect(historyText).not.toContain('Simulated answer');
  });
});
