/**
 * Pressing a button through the library and `mwbatch ask` (v1 API): an ask whose last turn is a `callbackId`
 * presses a button the answer to its earlier turns offered; retried under its key it is not pressed again; a press
 * with nothing before it is refused before anything starts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionQuestion, expectedAnswer, MORE_ACTION_LABEL } from '../../simulator';
import { InvalidRequestError, MwbatchClient, type AskResult } from '../../library';
import { runCli } from '../helpers/cli';
import { useForFile } from '../helpers/for-file';
import { useCliStack } from '../helpers/stack';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 }, baseUrl: (sim) => sim.baseUrls.v1 });
const client = useForFile(
  'the library client',
  () => MwbatchClient.connect({ env }),
  (c) => c.close(),
);

const asked = (question: string) => stack.sim.stats().submissionsByQuestion[question] ?? 0;
const PRESS_MORE = `label:${MORE_ACTION_LABEL}`;

describe('pressing a button with ask()', () => {
  it('presses the button the earlier answer offered, once, however often the ask is retried', async () => {
    const question = 'library: where do I find the expense policy?';
    const request = { conversation: [question], callbackId: PRESS_MORE, idempotencyKey: `press-${randomUUID()}` };
    const first = await client.ask(request);
    const pressed = actionQuestion(MORE_ACTION_LABEL, question);
    expect(first).toMatchObject({ status: 'COMPLETED', answer: expectedAnswer(pressed) });
    // Its own answer offers buttons too: what a later ask would press.
    expect(first.actions?.find((a) => a.type === 'CALLBACK_ACTION')?.label).toBe(MORE_ACTION_LABEL);
    expect(await client.ask(request)).toEqual(first);
    expect([asked(question), asked(pressed)]).toEqual([1, 1]);
  });

  it('refuses a press with no earlier turn, and a request with neither question nor press, naming the field', async () => {
    const press = await client.start({ callbackId: 'x', idempotencyKey: `bad-${randomUUID()}` }).catch((e) => e);
    expect(press).toBeInstanceOf(InvalidRequestError);
    expect((press as InvalidRequestError).issues.map((i) => i.path)).toEqual(['callbackId']);
    const empty = await client.start({ idempotencyKey: `bad-${randomUUID()}` }).catch((e) => e);
    expect((empty as InvalidRequestError).issues.map((i) => i.path)).toEqual(['question']);
  });
});

describe('mwbatch ask --earlier … --callback-id', () => {
  it('prints the answer to the press, and the buttons it offers', async () => {
    const question = 'cli: how do I book a meeting room?';
    const run = await runCli(['ask', '--earlier', question, '--callback-id', PRESS_MORE], env);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(expectedAnswer(actionQuestion(MORE_ACTION_LABEL, question)));
    expect(lines).toContain(`  (button) ${MORE_ACTION_LABEL}: --callback-id 'label:${MORE_ACTION_LABEL}'`);

    const json = await runCli(['ask', '--json', '--earlier', 'cli: first', '--callback-id', 'label:Approve'], env);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as AskResult;
    expect(result).toMatchObject({ status: 'ERROR', error: { code: 'NO_SUCH_ACTION' } });
  });
});
