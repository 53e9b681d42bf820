/** The simulator's admin endpoints (/_sim/…: health, config, requests, stats, clock, reset), its config and CLI. */
import { describe, expect, it } from 'vitest';
import { defaultSimulatorConfig, expectedAnswer, simulatorConfigSchema } from '../../simulator';
import { runSimulatorCli } from '../../simulator/main';
import { manualClock, simulatorApi, useSimulator, type Json } from '../helpers/simulator';

const clock = manualClock();
const sim = useSimulator({ clock, answerDelayMs: 500 });
const api = simulatorApi(sim);

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sim.origin}/_sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.headers.get('x-moveworks-root-uuid')).toBeTruthy();
  return { status: res.status, body: (await res.json()) as Json };
}

/** A new conversation with one question in it. */
async function askOnce(text: string): Promise<{ cid: string; rid: string }> {
  const cid = await api.newConversation();
  return { cid, rid: (await api.ask(cid, text)).response_id as string };
}

describe('simulator admin endpoints', () => {
  it('reports health and the current config', async () => {
    expect(await admin('GET', 'health')).toEqual({
      status: 200,
      body: { status: 'ok', now: new Date(clock()).toISOString() },
    });
    const config = await admin('GET', 'config');
    expect(config.body).toEqual({ ...defaultSimulatorConfig, answerDelayMs: 500 });
  });

  it('patches config knobs and rejects bad values with 400', async () => {
    const ok = await admin('PATCH', 'config', { failureRate: 0.5, rateLimit: { rps: 5 }, retryAfter: 'http-date' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      failureRate: 0.5,
      rateLimit: { rps: 5 },
      retryAfter: 'http-date',
      answerDelayMs: 500,
    });
    expect(sim.config.failureRate).toBe(0.5);
    for (const bad of [
      { failureRate: 2 },
      { retryAfter: 'sometimes' },
      { unknownKnob: 1 },
      { rateLimit: { rps: -1 } },
      [1],
    ]) {
      const res = await admin('PATCH', 'config', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_INPUT');
    }
    expect(sim.config.failureRate).toBe(0.5);
  });

  it('lists requests (optionally since a seq), stats and stored conversations', async () => {
    const { cid, rid } = await askOnce('What is my PTO balance?');
    await api.call(`/conversations/${cid}/responses/${rid}`);
    clock.advance(500);

    const requests = await admin('GET', 'requests');
    expect(requests.body.requests.map((r: Json) => r.seq)).toEqual([1, 2, 3]);
    const since = await admin('GET', 'requests?since=2');
    expect(since.body.requests.map((r: Json) => r.route)).toEqual([
      '/conversations/{conversation_id}/responses/{response_id}',
    ]);
    expect((await admin('GET', 'requests?since=-1')).status).toBe(400);

    const stats = await admin('GET', 'stats');
    expect(stats.body).toMatchObject({
      totalRequests: 3,
      conversationsCreated: 1,
      responsesCreated: { [cid]: 1 },
      byRoute: {
        'POST /conversations': { '201': 1 },
        'POST /conversations/{conversation_id}/responses': { '202': 1 },
        'GET /conversations/{conversation_id}/responses/{response_id}': { '200': 1 },
      },
    });

    const conversations = await admin('GET', 'conversations');
    expect(conversations.body.conversations).toEqual([
      expect.objectContaining({
        conversation_id: cid,
        turns: [
          expect.objectContaining({
            question: 'What is my PTO balance?',
            response_id: rid,
            status: 'COMPLETED',
            answer: expectedAnswer('What is my PTO balance?'),
          }),
        ],
      }),
    ]);
  });

  it('advances the simulator clock', async () => {
    const { cid, rid } = await askOnce('later');
    expect((await admin('POST', 'clock/advance', { ms: 500 })).status).toBe(200);
    const res = await api.call(`/conversations/${cid}/responses/${rid}`);
    expect(((await res.json()) as Json).status).toBe('COMPLETED');
    expect((await admin('POST', 'clock/advance', { ms: -1 })).status).toBe(400);
  });

  it('resets state and log, keeping config unless asked', async () => {
    await askOnce('first');
    await admin('PATCH', 'config', { failureRate: 0.25 });
    expect((await admin('POST', 'reset')).status).toBe(200);
    expect(sim.requests()).toEqual([]);
    expect(sim.conversations()).toEqual([]);
    expect(sim.config.failureRate).toBe(0.25);
    const again = await admin('POST', 'reset', { config: true });
    expect(again.body.config.failureRate).toBe(0);
  });

  it('is not subject to auth or faults, and unknown admin paths are 404', async () => {
    sim.configure({ rate5xx: 1, hangRate: 1, malformedJsonRate: 1, rateLimit: { rps: 1, burst: 1 } });
    for (let i = 0; i < 3; i++) expect((await admin('GET', 'stats')).status).toBe(200);
    expect((await admin('GET', 'nope')).status).toBe(404);
    expect(sim.requests()).toEqual([]);
  });
});

describe('simulator config schema and CLI', () => {
  it('fills every default from an empty object', () => {
    expect(simulatorConfigSchema.parse({})).toEqual(defaultSimulatorConfig);
    expect(defaultSimulatorConfig).toMatchObject({
      seed: 1,
      token: 'sim-token',
      assistantName: 'sim-assistant',
      answerDelayMs: 1000,
      inProgressAfterMs: 300,
      rateLimit: null,
    });
  });

  it('starts from flags and --config-json, prints where it listens, and serves', async () => {
    const lines: string[] = [];
    const cliSim = await runSimulatorCli(
      [
        '--port',
        '0',
        '--seed',
        '9',
        '--assistant-name',
        'acme-capi',
        '--rate-limit',
        '5',
        '--rate-5xx',
        '0.1',
        '--config-json',
        '{"answerDelayMs":42,"seed":3}',
      ],
      { print: (line) => lines.push(line), handleSignals: false },
    );
    try {
      expect(lines).toEqual([
        `Moveworks simulator listening on ${cliSim.origin} (base URL ${cliSim.origin}/rest/v1beta1) ` +
          `(v1 API at ${cliSim.origin}/assistant/v1)`,
      ]);
      expect(cliSim.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cliSim.config).toMatchObject({
        seed: 9,
        assistantName: 'acme-capi',
        answerDelayMs: 42,
        rate5xx: 0.1,
        rateLimit: { rps: 5 },
      });
      const res = await simulatorApi(cliSim).call('/conversations');
      expect(res.status).toBe(200);
    } finally {
      await cliSim.close();
    }
  });

  it('--api v1 prints the v1 base URL first; the realism switches set their knobs', async () => {
    const lines: string[] = [];
    const cliSim = await runSimulatorCli(
      ['--port', '0', '--api', 'v1', '--sse-comments', '--echo-trim', '--no-failed-error', '--id-format', 'mixed'],
      { print: (line) => lines.push(line), handleSignals: false },
    );
    try {
      expect(lines).toEqual([
        `Moveworks simulator listening on ${cliSim.origin} (base URL ${cliSim.origin}/assistant/v1) ` +
          `(beta API at ${cliSim.origin}/rest/v1beta1)`,
      ]);
      expect(cliSim.baseUrl).toBe(cliSim.baseUrls.v1);
      expect(cliSim.config).toMatchObject({
        sseComments: true,
        echoTrim: true,
        failedErrorObject: false,
        idFormat: 'mixed',
      });
      expect((await simulatorApi(cliSim).call('/conversations')).headers.get('x-trace-id')).toBeTruthy();
    } finally {
      await cliSim.close();
    }
    await expect(
      runSimulatorCli(['--port', '0', '--api', 'v2'], { print: () => undefined, handleSignals: false }),
    ).rejects.toThrow('--api must be beta or v1, got v2');
  });

  it('refuses invalid flag values', async () => {
    await expect(
      runSimulatorCli(['--port', '0', '--failure-rate', '3'], { print: () => undefined, handleSignals: false }),
    ).rejects.toThrow(/failureRate/);
    await expect(
      runSimulatorCli(['--port', 'abc'], { print: () => undefined, handleSignals: false }),
    ).rejects.toThrow();
  });
});
