/**
 * How HTTP outcomes become Temporal retries: 429 waits for Retry-After (or backs off), 5xx is retried,
 * 400/403/404 are reported once with their code, and an expired token is refreshed.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationInput } from '../../common/types';
import { ClientCredentialsAuth } from '../../moveworks';
import { expectedAnswer, type RecordedRequest } from '../../simulator';
import { startConversation, startStackForTest, type TestStack, type TestStackOptions } from '../helpers/stack';

/** The running test's stack (closed when that test ends). */
let stack: TestStack | undefined;

const fastPoll = { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 };

/** Starts a stack with `options`, asks `question` in a conversation of its own and returns its turn. */
async function ask(options: TestStackOptions, question: string, extra: Partial<ConversationInput> = {}) {
  stack = await startStackForTest(options);
  const handle = await startConversation(stack, { turns: [{ rowId: 'r1', question }], poll: fastPoll, ...extra });
  return (await handle.result()).turns[0]!;
}

/** Gaps between each 429 and the next request on the same route. */
function gapsAfter429(requests: RecordedRequest[]) {
  return requests.flatMap((r, i) => {
    if (r.status !== 429) return [];
    const next = requests.slice(i + 1).find((n) => n.route === r.route && n.method === r.method);
    return next ? [{ gapMs: next.at - r.at, retryAfterMs: r.retryAfterMs }] : [];
  });
}

describe('retries', () => {
  it('waits at least Retry-After after a 429', async () => {
    // One request per 2 s with no burst: every other call is rejected with Retry-After: 2
    const turn = await ask({ simulator: { answerDelayMs: 200, rateLimit: { rps: 0.5, burst: 1 } } }, 'rate limited');
    expect(turn.status).toBe('COMPLETED');
    const gaps = gapsAfter429(stack!.sim.requests());
    expect(gaps.length).toBeGreaterThan(0);
    for (const { gapMs, retryAfterMs } of gaps) {
      expect(retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(gapMs).toBeGreaterThanOrEqual(retryAfterMs!);
    }
  });

  it('backs off after a 429 without Retry-After', async () => {
    const turn = await ask(
      { simulator: { answerDelayMs: 200, rateLimit: { rps: 1, burst: 1 }, retryAfter: 'none' } },
      'rate limited, no header',
    );
    expect(turn.status).toBe('COMPLETED');
    const gaps = gapsAfter429(stack!.sim.requests());
    expect(gaps.length).toBeGreaterThan(0);
    for (const { gapMs, retryAfterMs } of gaps) {
      expect(retryAfterMs).toBeUndefined();
      expect(gapMs).toBeGreaterThanOrEqual(500); // first backoff step is at least half of 1 s
    }
  });

  it('retries 5xx until the call succeeds', async () => {
    const question = 'flaky server';
    const turn = await ask({ simulator: { answerDelayMs: 200, rate5xx: 0.5, seed: 7 } }, question);
    expect(turn.status).toBe('COMPLETED');
    expect(turn.answer).toBe(expectedAnswer(question));
    const failures = stack!.sim.requests().filter((r) => r.status >= 500);
    expect(failures.length).toBeGreaterThan(0);
    expect(turn.attempts).toBeGreaterThan(3);
  });

  it.each([
    ['403 FORBIDDEN for a wrong Assistant-Name', { assistantName: 'not-the-assistant' }, 'FORBIDDEN', undefined],
    ['400 INVALID_INPUT for an empty question', {}, 'INVALID_INPUT', ''],
  ] as const)('reports %s once, without retrying', async (_name, options, code, question) => {
    const turn = await ask(options, question ?? 'refused');
    expect(turn.status).toBe('ERROR');
    expect(turn.errorCode).toBe(code);
    expect(turn.rootUuid).toBeTruthy();
    const calls = stack!.sim.requests().map((r) => `${r.method} ${r.route}`);
    expect(calls).toEqual([...new Set(calls)]); // no call was repeated
    expect(stack!.sim.requests().at(-1)?.status).toBe(code === 'FORBIDDEN' ? 403 : 400);
  });

  it('reports 404 NOT_FOUND for a wrong base URL once, without retrying', async () => {
    const turn = await ask({ baseUrl: (sim) => `${sim.origin}/rest/v0` }, 'wrong base url');
    expect(turn.status).toBe('ERROR');
    expect(turn.errorCode).toBe('NOT_FOUND');
    expect(stack!.sim.requests()).toHaveLength(1);
  });

  it('refreshes an expired token and carries on', async () => {
    const question = 'long answer with short-lived tokens [sim:delay=3000]';
    const turn = await ask(
      {
        simulator: { tokenTtlSeconds: 1 },
        auth: (sim) =>
          new ClientCredentialsAuth({
            tokenUrl: sim.tokenUrl,
            clientId: sim.config.clientId,
            clientSecret: sim.config.clientSecret,
            refreshMarginMs: 0,
          }),
      },
      question,
    );
    expect(turn.status).toBe('COMPLETED');
    expect(turn.answer).toBe(expectedAnswer(question));
    const requests = stack!.sim.requests();
    expect(requests.filter((r) => r.route === '/oauth/v1/token').length).toBeGreaterThan(1);
  });
});
