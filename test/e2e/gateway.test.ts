/**
 * `mwbatch serve` as a process, as other services call it over HTTP: it refuses to start without a bearer token
 * (except on loopback with --insecure-local), long-polls (202, then GET 200), and keeps no state: a gateway killed
 * while a caller waits, and the caller retrying on a new gateway with the same key, asks the API once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { expectedAnswer } from '../../simulator';
import { runCli } from '../helpers/cli';
import { callGateway, spawnGateway, type GatewayProcess } from '../helpers/gateway';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });
const TOKEN = 'gateway-test-token-0123456789abcdef';
const auth = { token: TOKEN };

const asked = (question: string) => stack.sim.stats().submissionsByQuestion[question] ?? 0;
const newKey = (name: string) => `${name}-${randomUUID()}`;

/** A gateway process for the running test, killed when it ends if still running. */
async function gateway(args: string[] = [], extraEnv: NodeJS.ProcessEnv = { MWBATCH_SERVE_TOKEN: TOKEN }) {
  const started: GatewayProcess = await spawnGateway(args, { ...env, ...extraEnv });
  onTestFinished(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  return started;
}

describe('mwbatch serve', () => {
  it('refuses to start without a token, or with --insecure-local off loopback (exit 2)', async () => {
    const noToken = await runCli(['serve', '--port', '0'], env);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('MWBATCH_SERVE_TOKEN is not set');
    const exposed = await runCli(['serve', '--port', '0', '--host', '0.0.0.0', '--insecure-local'], env);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain('only on a loopback address');
    const short = await runCli(['serve', '--port', '0'], { ...env, MWBATCH_SERVE_TOKEN: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('MWBATCH_SERVE_TOKEN: must be at least 16 characters');
    expect(short.stderr).not.toContain('short');
  });

  it('--insecure-local on loopback serves without a token', async () => {
    const { url } = await gateway(['--insecure-local'], {});
    const question = 'gateway: no token on loopback';
    const reply = await callGateway(url, '/v1/questions?wait=20s', { key: newKey('local'), body: { question } });
    expect(reply).toMatchObject({ status: 200, body: { result: { status: 'COMPLETED' } } });
    expect(reply.body.result.answer).toBe(expectedAnswer(question));
  });

  it('asks for the token, the key and a valid body: 401, 400, 422, 409, 413', async () => {
    const { url } = await gateway();
    const question = 'gateway: refusals';
    const key = newKey('refusals');
    expect((await callGateway(url, '/v1/questions', { key, body: { question } })).status).toBe(401);
    expect((await callGateway(url, '/v1/questions', { key, body: { question }, token: `${TOKEN}x` })).status).toBe(401);
    expect((await callGateway(url, '/v1/questions', { ...auth, body: { question } })).status).toBe(400);
    const invalid = await callGateway(url, '/v1/questions', { ...auth, key, body: { question: 1, conversation: 'x' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'conversation',
      'question',
    ]);
    expect((await callGateway(url, '/v1/questions?wait=20s', { ...auth, key, body: { question } })).status).toBe(200);
    const conflict = await callGateway(url, '/v1/questions', { ...auth, key, body: { question, title: 'changed' } });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'idempotency_conflict' } } });
    const huge = await callGateway(url, '/v1/questions', { ...auth, key, body: { question: 'y'.repeat(65 * 1024) } });
    expect(huge.status).toBe(413);
    expect(asked(question)).toBe(1);
  });

  it('wait=1s on a slow answer: 202 with a Location, then GET it: 200 with the answer', async () => {
    const { url } = await gateway();
    const question = 'gateway: a slow answer [sim:delay=3000]';
    const key = newKey('slow');
    const started = Date.now();
    const pending = await callGateway(url, '/v1/questions?wait=1s', { ...auth, key, body: { question } });
    expect(pending).toMatchObject({ status: 202, body: { key, state: 'running' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const location = pending.headers.get('location')!;
    const done = await callGateway(url, `${location}?wait=30s`, auth);
    expect(done).toMatchObject({ status: 200, body: { key, state: 'done', result: { status: 'COMPLETED' } } });
    expect(done.body.result.answer).toBe(expectedAnswer(question));
    expect(asked(question)).toBe(1);
  });

  it('a gateway killed while a caller waits: the retry on a new gateway with the same key asks once', async () => {
    const first = await gateway();
    const question = 'gateway: killed mid-wait [sim:delay=4000]';
    const key = newKey('killed');
    const post = (url: string) => callGateway(url, '/v1/questions?wait=30s', { ...auth, key, body: { question } });
    const waiting = post(first.url);
    await waitFor('the question to reach the API', () => asked(question) === 1);
    first.child.kill('SIGKILL');
    await expect(waiting).rejects.toThrow();

    const second = await gateway();
    const retried = await post(second.url);
    expect(retried).toMatchObject({ status: 200, body: { key, result: { status: 'COMPLETED' } } });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body.result.answer).toBe(expectedAnswer(question));
    expect(asked(question)).toBe(1);
  });

  it('SIGTERM answers the callers still waiting with 202 and exits 0; the ask goes on in Temporal', async () => {
    const served = await gateway();
    const question = 'gateway: shut down mid-wait [sim:delay=3000]';
    const key = newKey('sigterm');
    const waiting = callGateway(served.url, '/v1/questions?wait=30s', { ...auth, key, body: { question } });
    await waitFor('the question to reach the API', () => asked(question) === 1);
    served.child.kill('SIGTERM');
    expect((await waiting).status).toBe(202);
    expect(await served.exited).toBe(0);
    const answer = await stack.client.workflow.getHandle(`ask/${key}`).result();
    expect(answer.turns[0].answer).toBe(expectedAnswer(question));
  });
});
