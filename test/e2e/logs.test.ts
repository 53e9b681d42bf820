/**
 * Structured logs: with MWBATCH_LOG_FORMAT=json every line the worker writes (its own, the SDK's, the core's
 * forwarded ones, the activities') is one JSON object with time, level and msg; the lines about a question carry
 * its workflow id, run id, batch id, conversation key and row id, and the API lines the root uuid the API answered with;
 * the token is in none of them. The gateway logs its requests the same way.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createGateway } from '../../gateway/server';
import { gatewayLogger } from '../../gateway/settings';
import { MwbatchClient } from '../../library/client';
import { readResultsCsv, tempDir, writeCsv } from '../helpers/batch';
import { runCli } from '../helpers/cli';
import { startObservedWorker, type ObservedWorker } from '../helpers/observed-worker';
import { useSimulator } from '../helpers/simulator';

const token = `tok-${randomUUID()}`;
const sim = useSimulator({ token, answerDelayMs: 200 }, { reset: 'never' });
const taskQueue = `logs-${randomUUID()}`;
let worker: ObservedWorker;

beforeAll(async () => {
  worker = await startObservedWorker(sim, taskQueue, { MWBATCH_LOG_FORMAT: 'json', MWBATCH_LOG_LEVEL: 'debug' });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
});

type Line = Record<string, unknown> & { time: string; level: string; msg: string };

/** Every line parsed as JSON: a line that is not one fails the test, naming it. */
function jsonLines(text: string): Line[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('worker logs (MWBATCH_LOG_FORMAT=json)', () => {
  it('are JSON lines, with the question identity on each line about a question, and no token', async () => {
    const dir = tempDir();
    const rows = ['id,conversation,question', 'a,,first question', 'b,conv-b,second', 'c,conv-b,third'];
    const run = await runCli(
      ['submit', writeCsv(dir, 'q.csv', rows), '--batch', 'e2e-logs', '--out', join(dir, 'out')],
      {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(readResultsCsv(join(dir, 'out'))).toHaveLength(3);

    const lines = jsonLines(worker.log());
    for (const line of lines) {
      expect(Number.isNaN(Date.parse(line.time)), JSON.stringify(line)).toBe(false);
      expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
    }
    expect(lines.some((l) => l.msg.startsWith('mwbatch worker polling'))).toBe(true);
    // The SDK's lines and the core's forwarded ones come through the same logger.
    expect(lines.some((l) => l.sdkComponent === 'worker' && l.msg === 'Worker state changed')).toBe(true);
    expect(lines.some((l) => l.sdkComponent === 'core')).toBe(true);

    // One line per API response, inside the activity that made it: who asked, and the API's root uuid.
    const apiLines = lines.filter((l) => l.msg.startsWith('Moveworks API') && l.batchId === 'e2e-logs');
    const batchRequests = sim.requests().filter((r) => r.route.startsWith('/conversations'));
    expect(apiLines.length).toBeGreaterThanOrEqual(batchRequests.length - 2); // less the two API checks' GETs
    for (const line of apiLines) {
      expect(line.workflowId).toMatch(/^e2e-logs\//);
      expect(line.conversationKey).toBe(String(line.workflowId).split('/')[1]);
      expect(line.runId).toMatch(UUID);
      expect(line.rootUuid).toMatch(UUID);
      expect(line.path).not.toMatch(/conv_|resp_/); // a template, not the ids
    }
    // The batch's two conversations (and the batch's pre-flight API check, a workflow of its own).
    const keys = new Set(apiLines.map((l) => String(l.conversationKey)).filter((k) => !k.startsWith('api-check')));
    expect(keys.size).toBe(2);
    // Each line about a turn names the row of the question file it was about.
    const rowsOf = (key: string) => new Set(apiLines.filter((l) => l.conversationKey === key).map((l) => l.rowId));
    expect(rowsOf('a')).toEqual(new Set(['a']));
    expect(rowsOf('c-conv-b')).toEqual(new Set(['b', 'c']));

    expect(worker.log()).not.toContain(token);
    expect(worker.log()).not.toMatch(/bearer\s+(?!\[redacted\])/i);
  });
});

describe('gateway logs', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('are JSON lines, one per request, with no token', async () => {
    const serveToken = `serve-${randomUUID()}`;
    const written: string[] = [];
    const logger = gatewayLogger({ MWBATCH_LOG_FORMAT: 'json', MWBATCH_SERVE_TOKEN: serveToken }, (line) =>
      written.push(line),
    );
    const gateway = createGateway({
      client: new MwbatchClient(new Client({ connection }), taskQueue),
      token: serveToken,
      logger,
    });
    const { port } = await gateway.listen(0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const refused = await fetch(`${base}/v1/questions/k1`, {
        headers: { authorization: `Bearer wrong-${serveToken}` },
      });
      expect(refused.status).toBe(401);
    } finally {
      await gateway.close();
    }
    const lines = jsonLines(written.join('\n'));
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['GET', '/healthz', 200],
      ['GET', '/v1/questions/k1', 401],
    ]);
    expect(written.join('\n')).not.toContain(serveToken);
  });
});
