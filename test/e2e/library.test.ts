/**
 * The library (`require('mwbatch')`) and `mwbatch ask --idempotency-key` against a real worker, the simulator and
 * the shared Temporal dev server: a key names one ask, asked of the API once however often (and from however many
 * processes) it is retried; another request under a used key is refused; the package loads from CommonJS, ESM and
 * TypeScript consumers.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedAnswer } from '../../simulator';
import {
  IdempotencyConflictError,
  InvalidRequestError,
  MwbatchClient,
  QuestionNotFoundError,
  type AskResult,
} from '../../library';
import { tempDir } from '../helpers/batch';
import { REPO_ROOT, runCli, runNode } from '../helpers/cli';
import { useForFile } from '../helpers/for-file';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack({ simulator: { answerDelayMs: 200 } });
const client = useForFile(
  'the library client',
  () => MwbatchClient.connect({ env }),
  (c) => c.close(),
);

/** How many times the API was asked this question (each test asks questions of its own). */
const asked = (question: string) => stack.sim.stats().submissionsByQuestion[question] ?? 0;
const newKey = (name: string) => `${name}-${randomUUID()}`;

describe('MwbatchClient', () => {
  it('the same key asked twice returns the same answer and asks the API once', async () => {
    const question = 'library: is this asked once?';
    const key = newKey('twice');
    const first = await client.ask({ question, idempotencyKey: key });
    expect(first.status).toBe('COMPLETED');
    expect(first.answer).toBe(expectedAnswer(question));
    const conversations = stack.sim.stats().conversationsCreated;
    // The deadline and the mode say how to wait, not what is asked: a retry that changes them attaches too.
    const again = await client.ask({ question, idempotencyKey: key, deadline: '90s', mode: 'stream' });
    expect(again).toEqual(first);
    expect(asked(question)).toBe(1);
    expect(stack.sim.stats().conversationsCreated).toBe(conversations);
  });

  it('another question, earlier turns or title under a used key throws IdempotencyConflictError and asks nothing', async () => {
    const question = 'library: the first request of a key';
    const key = newKey('conflict');
    await client.ask({ question, idempotencyKey: key });
    for (const other of [
      { question: 'library: another question under the same key' },
      { question, conversation: ['an earlier turn'] },
      { question, title: 'another title' },
    ]) {
      await expect(client.start({ ...other, idempotencyKey: key }), JSON.stringify(other)).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      );
    }
    expect(asked('library: another question under the same key')).toBe(0);
    expect(asked('an earlier turn')).toBe(0);
    expect(asked(question)).toBe(1);
  });

  it('asks the earlier turns first, in one conversation, and returns the last turn', async () => {
    const turns = ['library turn 1: who approves leave?', 'library turn 2: and for contractors?'];
    const question = 'library turn 3: how long does it take?';
    const result = await client.ask({
      question,
      conversation: turns,
      title: 'HR job',
      idempotencyKey: newKey('turns'),
    });
    expect(result.status).toBe('COMPLETED');
    expect(result.answer).toBe(expectedAnswer(question));
    const posted = stack.sim
      .requests()
      .filter(
        (r) => r.method === 'POST' && r.route.endsWith('/responses') && r.conversationId === result.conversationId,
      )
      .map((r) => (r.body as { input: { text: string } }).input.text);
    expect(posted).toEqual([...turns, question]);
  });

  it('start() returns a handle: progress while it runs, get(key) finds it, cancel() ends it CANCELLED', async () => {
    const question = 'library: an answer that never comes [sim:never]';
    const key = newKey('handle');
    const handle = await client.start({ question, idempotencyKey: key });
    expect(handle).toMatchObject({ key, workflowId: `ask/${key}`, started: true });
    const progress = await waitFor('the question to be submitted', async () => {
      const p = await handle.progress();
      return p.currentResponseId ? p : undefined;
    });
    expect(progress).toMatchObject({ turnsDone: 0, turnsTotal: 1 });
    expect(await handle.wait(200)).toBeUndefined();

    const found = await client.get(key);
    expect(found).toMatchObject({ key, workflowId: `ask/${key}`, started: false });
    await found.cancel();
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
    expect(asked(question)).toBe(1);
    await expect(client.get(newKey('never-used'))).rejects.toBeInstanceOf(QuestionNotFoundError);
  });

  it('reads back an answer too large for the workflow result, whole', async () => {
    const question = 'library: a long answer [sim:size=300000]';
    const result = await client.ask({ question, idempotencyKey: newKey('large') });
    expect(result.status).toBe('COMPLETED');
    expect(result.answer.length).toBe(300_000);
    expect(result.answer === expectedAnswer(question)).toBe(true);
  });

  it('refuses an invalid request, naming every bad field, before anything starts', async () => {
    const request = {
      question: '  ',
      idempotencyKey: 'has/slash',
      conversation: ['fine', ''],
      deadline: 'two weeks',
      mode: 'fast' as 'poll',
      colour: 'blue',
    };
    const err = await client.start(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).issues.map((i) => i.path).sort()).toEqual(
      ['', 'conversation.1', 'deadline', 'idempotencyKey', 'mode', 'question'].sort(),
    );
    expect((err as InvalidRequestError).exitCode).toBe(2);
  });
});

describe('mwbatch ask --idempotency-key', () => {
  it('two processes asking with one key at once ask the API once; another question under it exits 2', async () => {
    const question = 'cli: asked from two processes at once';
    const key = newKey('cli');
    const args = ['ask', '--idempotency-key', key, '--json', question];
    const runs = await Promise.all([runCli(args, env), runCli(args, env)]);
    const results = runs.map((run) => {
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as AskResult & { key: string; workflowId: string };
    });
    expect(results[0]).toMatchObject({ key, workflowId: `ask/${key}`, status: 'COMPLETED' });
    expect(results[0]!.answer).toBe(expectedAnswer(question));
    expect(results[1]).toEqual(results[0]);
    expect(asked(question)).toBe(1);

    const retried = await runCli(['ask', '--idempotency-key', key, question], env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout.split('\n')[0]).toBe(expectedAnswer(question)); // then its citations

    const other = await runCli(['ask', '--idempotency-key', key, 'cli: another question, same key'], env);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`idempotency key "${key}" was already used for a different request`);
    expect(asked('cli: another question, same key')).toBe(0);
    expect(asked(question)).toBe(1);
  });
});

describe('the package entry', () => {
  it('loads from CommonJS (require) and ESM (import), which ask through it once, and types from TypeScript', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string }>;
    };
    const dir = tempDir('mwbatch-consumer-');
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'mwbatch'), 'dir');
    const question = 'package: asked by a CommonJS and an ESM consumer';
    const key = newKey('package');
    const ask = `({ question: ${JSON.stringify(question)}, idempotencyKey: ${JSON.stringify(key)} })`;
    writeFileSync(
      join(dir, 'consumer.cjs'),
      `const { MwbatchClient } = require('mwbatch');
(async () => {
  const client = await MwbatchClient.connect();
  console.log(JSON.stringify(await client.ask(${ask})));
  await client.close();
})();
`,
    );
    writeFileSync(
      join(dir, 'consumer.mjs'),
      `import { MwbatchClient, IdempotencyConflictError } from 'mwbatch';
import { conversationWorkflow } from 'mwbatch/workflows';
if (typeof conversationWorkflow !== 'function' || typeof IdempotencyConflictError !== 'function') process.exit(9);
const client = await MwbatchClient.connect();
console.log(JSON.stringify(await client.ask(${ask})));
await client.close();
`,
    );
    const cjs = await runNode(['consumer.cjs'], env, dir);
    expect(cjs.code, cjs.stderr).toBe(0);
    const esm = await runNode(['consumer.mjs'], env, dir);
    expect(esm.code, esm.stderr).toBe(0);
    const answers = [cjs, esm].map((run) => JSON.parse(run.stdout) as AskResult);
    expect(answers[0]!.answer).toBe(expectedAnswer(question));
    expect(answers[1]).toEqual(answers[0]);
    expect(asked(question)).toBe(1);

    // A TypeScript consumer (module node16) finds the declarations through package.json "exports".
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './workflows']));
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import { MwbatchClient, type AskResult, type ConversationInput } from 'mwbatch';
export async function answer(input: ConversationInput): Promise<AskResult> {
  const client = await MwbatchClient.connect({ taskQueue: 'mwbatch' });
  return client.ask({ question: input.turns[0]!.question, idempotencyKey: input.conversationKey });
}
// @ts-expect-error: deadline is a duration string or a number of seconds
export const wrong: Parameters<MwbatchClient['ask']>[0] = { question: 'q', idempotencyKey: 'k', deadline: true };
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = await runNode([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {}, dir);
    expect(tsc.code, tsc.stdout).toBe(0);
  });
});
