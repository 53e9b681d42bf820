/**
 * The webhook notification of a scheduled evaluation run (evaluation/notify.ts, evaluation/notify-policy.ts): when
 * a run notifies, the Slack and JSON messages, the format variable, and delivery to a real HTTP receiver on
 * 127.0.0.1 through the activity run in Temporal's MockActivityEnvironment: delivered, retried (5xx, 429 after its
 * Retry-After, timeout, connection refused), refused (4xx), and the webhook URL (a secret) in no message, result
 * or log line.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Info } from '@temporalio/activity';
import { ConfigError } from '../../common/errors';
import {
  createNotifyActivities,
  isNotifyPolicy,
  jsonBody,
  notifyFormat,
  NOTIFY_RETRY,
  shouldNotify,
  slackBody,
  type NotifyInput,
  type NotifyOutcome,
} from '../../evaluation/notify';
import type { RunSummary } from '../../evaluation/types';
import { waitFor } from '../helpers/wait';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: 'r-20250101-0600-abcd',
    suite: 'it-helpdesk',
    started_at: '2025-01-01T06:00:00.000Z',
    finished_at: '2025-01-01T06:05:00.000Z',
    questions: 10,
    repeats: 3,
    passed: 8,
    failed: 1,
    errors: 1,
    pass_rate: 0.8,
    flaky: ['q7', 'q9'],
    regressions: ['q2', 'q5'],
    fixed: [],
    changed_answers: ['q2'],
    latency_ms: { p50: 900, p95: 2100 },
    api_requests: 60,
    http_429s: 0,
    baseline_run_id: 'r-20241231-0600-wxyz',
    suite_sha256: 'ab'.repeat(32),
    ...overrides,
  };
}

const allPassed = summary({ passed: 10, failed: 0, errors: 0, pass_rate: 1, flaky: [], regressions: [] });

describe('shouldNotify', () => {
  it('on-regression: only when a question that passed in the baseline does not now', () => {
    expect(shouldNotify('on-regression', summary())).toBe(true);
    // Failures that were already failing in the baseline are no regression.
    expect(shouldNotify('on-regression', summary({ regressions: [] }))).toBe(false);
  });

  it('on-failure: when any question failed a check or got no answer', () => {
    expect(shouldNotify('on-failure', summary({ regressions: [] }))).toBe(true);
    expect(shouldNotify('on-failure', summary({ passed: 9, failed: 0, errors: 1, regressions: [] }))).toBe(true);
    expect(shouldNotify('on-failure', allPassed)).toBe(false);
  });

  it('always and never', () => {
    expect(shouldNotify('always', allPassed)).toBe(true);
    expect(shouldNotify('never', summary())).toBe(false);
  });

  it('tells the four policies from anything else', () => {
    expect(['on-regression', 'on-failure', 'always', 'never'].every(isNotifyPolicy)).toBe(true);
    expect(isNotifyPolicy('on-regressions')).toBe(false);
  });
});

describe('slackBody', () => {
  const questions = { q2: 'How do I reset my VPN password?', q5: 'Where is the expense policy?' };

  it('names the suite, the run, the pass rate, the baseline, each regression with its question, flaky, the report', () => {
    const { text } = slackBody(summary(), 'runs/it-helpdesk/r-20250101-0600-abcd/report.html', questions);
    expect(text).toContain('it-helpdesk');
    expect(text).toContain('r-20250101-0600-abcd');
    expect(text).toContain('Pass rate 80.0%: 8 of 10 questions passed, 1 failed, 1 errors');
    expect(text).toContain('baseline: run r-20241231-0600-wxyz');
    expect(text).toContain('2 regressions');
    expect(text).toContain('• q2: How do I reset my VPN password?');
    expect(text).toContain('• q5: Where is the expense policy?');
    expect(text).toContain('Flaky: 2');
    expect(text).toContain('Report: runs/it-helpdesk/r-20250101-0600-abcd/report.html');
  });

  it('escapes &, < and > so Slack shows the text and does not read it as markup', () => {
    const { text } = slackBody(summary({ suite: 'R&D <team>', regressions: ['q<1>'] }), 'reports/a&b.html', {
      'q<1>': 'Is <script>alert(1)</script> & <@U123> allowed?',
    });
    expect(text).not.toMatch(/[<>]/);
    expect(text).toContain('R&amp;D &lt;team&gt;');
    expect(text).toContain('• q&lt;1&gt;: Is &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;@U123&gt; allowed?');
    expect(text).toContain('Report: reports/a&amp;b.html');
  });

  it('lists at most 20 regressions, then how many more; a question on one line', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `q${i + 1}`);
    const { text } = slackBody(summary({ regressions: ids }), undefined, { q1: 'first line\n  second line' });
    expect(text).toContain('25 regressions');
    expect(text).toContain('• q1: first line second line');
    expect(text).toContain('• q20');
    expect(text).not.toContain('• q21');
    expect(text).toContain('… and 5 more');
    expect(text).not.toContain('Report:');
  });

  it('says when there was no baseline, and no regressions against one', () => {
    expect(slackBody(summary({ baseline_run_id: null, regressions: [] }), undefined, {}).text).toContain(
      '(no baseline)',
    );
    expect(slackBody(allPassed, undefined, {}).text).toContain('No regressions');
  });
});

describe('jsonBody', () => {
  it('is the summary as summary.json has it, and the report path', () => {
    expect(jsonBody(summary(), 'out/report.html')).toEqual({ summary: summary(), report_path: 'out/report.html' });
    expect(jsonBody(summary(), undefined)).toEqual({ summary: summary(), report_path: null });
  });
});

describe('MWBATCH_NOTIFY_FORMAT', () => {
  it('is slack by default (unset or empty), or json', () => {
    expect(notifyFormat({})).toBe('slack');
    expect(notifyFormat({ MWBATCH_NOTIFY_FORMAT: '' })).toBe('slack');
    expect(notifyFormat({ MWBATCH_NOTIFY_FORMAT: 'json' })).toBe('json');
  });

  it('anything else is a configuration error naming the variable', () => {
    let caught: unknown;
    try {
      notifyFormat({ MWBATCH_NOTIFY_FORMAT: 'xml' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).exitCode).toBe(2);
    expect((caught as ConfigError).message).toMatch(/MWBATCH_NOTIFY_FORMAT: must be slack or json/);
  });
});

// --- Delivery -------------------------------------------------------------------------------------------------

const SECRET_PATH = '/hooks/SECRET-abc123';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering each request with `respond`; closed when the test finishes. */
async function startReceiver(respond: (res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${port}${SECRET_PATH}`, port, received };
}

const answer =
  (status: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(status, headers).end('{"ok":false,"detail":"whatever the receiver says"}');

/** Everything the activity logged (through Temporal's logger) or printed (console), for the secret checks. */
let output: string[] = [];
let logger: DefaultLogger;
beforeEach(() => {
  output = [];
  logger = new DefaultLogger('TRACE', (entry: LogEntry) =>
    output.push(JSON.stringify(entry, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))),
  );
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(' ')));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

const input = (overrides: Partial<NotifyInput> = {}): NotifyInput => ({
  summary: summary(),
  reportPath: 'runs/it-helpdesk/report.html',
  questions: { q2: 'How do I reset my VPN password?', q5: 'Where is the expense policy?' },
  ...overrides,
});

/** What one run of the activity came to: its result, or what it threw. */
interface Run {
  result?: NotifyOutcome;
  error?: unknown;
}

/** The activity run once, as attempt `info.attempt` (default 1 of NOTIFY_RETRY's 6). */
async function notify(
  env: NodeJS.ProcessEnv,
  notifyInput: NotifyInput = input(),
  info: Partial<Info> = {},
  timeoutMs?: number,
): Promise<Run> {
  const activityEnv = new MockActivityEnvironment({ attempt: 1, retryPolicy: NOTIFY_RETRY, ...info }, { logger });
  const { notifyRun } = createNotifyActivities(env, { timeoutMs });
  try {
    return { result: await activityEnv.run(notifyRun, notifyInput) };
  } catch (error) {
    return { error };
  }
}

/** The retryable failure a run threw, checked for being one. */
function retryableFailure(run: Run): ApplicationFailure {
  expect(run.result).toBeUndefined();
  expect(run.error).toBeInstanceOf(ApplicationFailure);
  const failure = run.error as ApplicationFailure;
  expect(failure.nonRetryable).toBe(false);
  expect(failure.cause).toBeUndefined();
  return failure;
}

/** Neither the URL, its secret path, nor (when given) the receiver's address is in what the run produced. */
function expectNoSecret(run: Run, port?: number): void {
  const failure = run.error as ApplicationFailure | undefined;
  const produced = [
    JSON.stringify(run.result ?? null),
    String(failure?.message),
    String(failure?.stack),
    JSON.stringify(failure?.details ?? null),
    ...output,
  ].join('\n');
  expect(produced).not.toContain('SECRET-abc123');
  expect(produced).not.toContain('/hooks/');
  if (port !== undefined) {
    expect(produced).not.toContain('127.0.0.1');
    // The port as a number of its own (log entries hold long timestamps that may contain its digits).
    expect(produced).not.toMatch(new RegExp(`(?<!\\d)${port}(?!\\d)`));
  }
}

describe('notifyRun: delivery', () => {
  it('POSTs the Slack message with the run id as Idempotency-Key; a 200 is delivered', async () => {
    const receiver = await startReceiver(answer(200));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url });
    expect(run.result).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', path: SECRET_PATH });
    expect(request!.headers['idempotency-key']).toBe('r-20250101-0600-abcd');
    expect(request!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body) as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toContain('• q2: How do I reset my VPN password?');
    expectNoSecret(run, receiver.port);
  });

  it('POSTs the summary as JSON when MWBATCH_NOTIFY_FORMAT=json, and counts the attempts', async () => {
    const receiver = await startReceiver(answer(204));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url, MWBATCH_NOTIFY_FORMAT: 'json' }, input(), {
      attempt: 3,
    });
    expect(run.result).toEqual({ delivered: true, attempts: 3, status: 204 });
    expect(JSON.parse(receiver.received[0]!.body)).toEqual({
      summary: summary(),
      report_path: 'runs/it-helpdesk/report.html',
    });
  });

  it("reads the schedule's own variable, and never falls back to MWBATCH_NOTIFY_URL when it is unset", async () => {
    const team = await startReceiver(answer(200));
    const fallback = await startReceiver(answer(200));
    const delivered = await notify({ TEAM_A_WEBHOOK: team.url }, input({ urlEnv: 'TEAM_A_WEBHOOK' }));
    expect(delivered.result).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(team.received).toHaveLength(1);

    const unset = await notify({ MWBATCH_NOTIFY_URL: fallback.url }, input({ urlEnv: 'TEAM_A_WEBHOOK' }));
    expect(unset.result).toEqual({
      delivered: false,
      attempts: 0,
      error: 'no webhook URL: set TEAM_A_WEBHOOK on the workers',
    });
    expect(fallback.received).toHaveLength(0);
  });

  it("refuses a schedule naming one of the workers' own settings as its webhook, posting nothing", async () => {
    const api = await startReceiver(answer(200));
    const refused = await notify({ MOVEWORKS_BASE_URL: api.url }, input({ urlEnv: 'MOVEWORKS_BASE_URL' }));
    expect(refused.result).toMatchObject({ delivered: false, attempts: 0 });
    expect(refused.result?.error).toContain("MOVEWORKS_BASE_URL is one of the workers' own settings");
    expect(api.received).toHaveLength(0);
  });

  it('a 500 throws a retryable failure saying only "HTTP 500"', async () => {
    const receiver = await startReceiver(answer(500));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url });
    const failure = retryableFailure(run);
    expect(failure.message).toBe('webhook not reached: HTTP 500');
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(receiver.received).toHaveLength(1);
    expectNoSecret(run, receiver.port);
  });

  it('on the last attempt of the retry policy, a 500 is reported as not delivered instead', async () => {
    const receiver = await startReceiver(answer(503));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url }, input(), { attempt: 6 });
    expect(run.result).toEqual({
      delivered: false,
      attempts: 6,
      status: 503,
      error: 'HTTP 503 (gave up after 6 attempts)',
    });
    expectNoSecret(run, receiver.port);
  });

  it('a 429 is retried after its Retry-After (seconds or an HTTP-date), kept within 1 s and 5 min', async () => {
    const delayFor = async (retryAfter?: string) => {
      const receiver = await startReceiver(answer(429, retryAfter === undefined ? {} : { 'Retry-After': retryAfter }));
      const failure = retryableFailure(await notify({ MWBATCH_NOTIFY_URL: receiver.url }));
      expect(failure.message).toBe('webhook not reached: HTTP 429');
      return failure.nextRetryDelay;
    };
    expect(await delayFor('2')).toBe(2_000);
    const inNinetySeconds = new Date(Date.now() + 90_000).toUTCString();
    expect(await delayFor(inNinetySeconds)).toBeGreaterThan(85_000);
    expect(await delayFor(inNinetySeconds)).toBeLessThanOrEqual(90_000);
    expect(await delayFor('0')).toBe(1_000);
    expect(await delayFor('86400')).toBe(300_000);
    // No header: the retry policy decides.
    expect(await delayFor()).toBeUndefined();
    expect(await delayFor('soon')).toBeUndefined();
  });

  it('a 404 is not delivered and not retried', async () => {
    const receiver = await startReceiver(answer(404));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url });
    expect(run.result).toEqual({ delivered: false, attempts: 1, status: 404, error: 'HTTP 404' });
    expectNoSecret(run, receiver.port);
  });

  it('a redirect is not followed (it would send the summary elsewhere) and not retried', async () => {
    const elsewhere = await startReceiver(answer(200));
    const receiver = await startReceiver(answer(307, { Location: elsewhere.url }));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url });
    expect(run.result).toEqual({
      delivered: false,
      attempts: 1,
      status: 307,
      error: 'HTTP 307 (redirects are not followed)',
    });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('connection refused throws a retryable failure naming neither the URL, the host nor the port', async () => {
    const port = await freePort();
    const run = await notify({ MWBATCH_NOTIFY_URL: `http://127.0.0.1:${port}${SECRET_PATH}` });
    const failure = retryableFailure(run);
    expect(failure.message).toBe('webhook not reached: connection refused');
    expectNoSecret(run, port);
  });

  it('a receiver that does not answer in time throws a retryable "timed out"', async () => {
    const receiver = await startReceiver(() => undefined);
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url }, input(), {}, 300);
    const failure = retryableFailure(run);
    expect(failure.message).toBe('webhook not reached: timed out after 0.3 s');
    expectNoSecret(run, receiver.port);
  });

  it('cancelling the activity stops the POST with Temporal’s CancelledFailure', async () => {
    const receiver = await startReceiver(() => undefined);
    const activityEnv = new MockActivityEnvironment({ attempt: 1, retryPolicy: NOTIFY_RETRY }, { logger });
    const { notifyRun } = createNotifyActivities({ MWBATCH_NOTIFY_URL: receiver.url });
    const running = activityEnv.run(notifyRun, input());
    await waitFor('the POST to arrive', () => receiver.received.length === 1);
    activityEnv.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  });
});

/** A port nothing listens on: one the system gave a server that is closed again. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('notifyRun: configuration', () => {
  it('without a URL, says which variable to set, and posts nothing', async () => {
    const run = await notify({});
    expect(run.result).toEqual({
      delivered: false,
      attempts: 0,
      error: 'no webhook URL: set MWBATCH_NOTIFY_URL on the workers',
    });
  });

  it('a URL that is not http(s) names the variable, not its value', async () => {
    for (const value of ['ftp://127.0.0.1/hooks/SECRET-abc123', 'hooks/SECRET-abc123', 'javascript:SECRET-abc123']) {
      const run = await notify({ MWBATCH_NOTIFY_URL: value });
      expect(run.result).toEqual({
        delivered: false,
        attempts: 0,
        error: 'MWBATCH_NOTIFY_URL on the workers is not an http(s) URL',
      });
      expectNoSecret(run);
    }
  });

  it('a URL with a user name or password is refused before any POST, naming the variable only', async () => {
    const receiver = await startReceiver(answer(200));
    const url = receiver.url.replace('http://', 'http://user:SECRET-abc123@');
    const run = await notify({ TEAM_A_WEBHOOK: url }, input({ urlEnv: 'TEAM_A_WEBHOOK' }));
    expect(run.result).toMatchObject({ delivered: false, attempts: 0 });
    expect(run.result?.error).toContain('TEAM_A_WEBHOOK');
    expect(receiver.received).toHaveLength(0);
    expectNoSecret(run, receiver.port);
  });

  it('a bad MWBATCH_NOTIFY_FORMAT is reported, naming the variable, and posts nothing', async () => {
    const receiver = await startReceiver(answer(200));
    const run = await notify({ MWBATCH_NOTIFY_URL: receiver.url, MWBATCH_NOTIFY_FORMAT: 'teams' });
    expect(run.result).toMatchObject({ delivered: false, attempts: 0 });
    expect(run.result?.error).toContain('MWBATCH_NOTIFY_FORMAT: must be slack or json');
    expect(receiver.received).toHaveLength(0);
  });
});
