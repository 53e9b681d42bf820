/**
 * The client of bench/compare.ts's prototype variants (bench/prototype/grouped-workflows.ts), in place of
 * `mwbatch submit`:
 *
 *   node dist/bench/bench/prototype/grouped-client.js FILE --out DIR --batch ID --concurrency N --per-workflow K
 *     --shape groups|lanes|window|window-groups --mode poll|stream [--local]   (env TEMPORAL_ADDRESS,
 *     TEMPORAL_TASK_QUEUE; with window* also MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME, MOVEWORKS_TOKEN)
 *
 * - groups: the rows in order, K per `groupedQuestionsWorkflow`, at most ceil(N / K) workflows (N questions) in
 *   flight; a group's slot is free once its last answer is in.
 * - lanes: ceil(N / K) `laneWorkflow`s, N questions in flight, each sent as an `ask` update to the lane with the
 *   fewest questions; the next question starts as soon as one is answered.
 * - window (stream only): ceil(N / K) `windowWorkflow`s, the rows split evenly among them, each asking its share
 *   with one activity, K at a time (bench/prototype/window-activity.ts). This process runs that activity's worker,
 *   so its HTTP work counts as the client's in the bench's CPU accounting.
 * - window-groups (stream only): fixed groups of K as `groups`, each a `windowWorkflow` asking all K at once.
 * `--local`: each question's `openConversation` is a local activity (grouped-workflows.ts `PrototypeSettings`).
 * Poll mode times the first poll from the batch's answer times, as `submit` does (common/answer-times.ts). Writes
 * results.jsonl and results.csv in the shape bench/measure.ts `readResults` reads, and one JSON summary line on
 * stdout: { questions, completed, peakInFlight, wallMs }. Measurement only: nothing here is resumable.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import { AnswerTimes } from '../../common/answer-times';
import { csvText } from '../../common/csv';
import { BATCH_ID } from '../../common/names';
import type { ConversationResult } from '../../common/types';
import { whole } from '../measure';
import { MoveworksClient, StaticTokenAuth } from '../../moveworks';
import {
  windowTaskQueue,
  type PrototypeAnswer,
  type PrototypeQuestion,
  type PrototypeSettings,
} from './grouped-workflows';
import { createWindowActivities } from './window-activity';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      batch: { type: 'string', default: 'prototype' },
      concurrency: { type: 'string', default: '50' },
      'per-workflow': { type: 'string', default: '10' },
      shape: { type: 'string', default: 'groups' },
      mode: { type: 'string', default: 'poll' },
      local: { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || !values.out) throw new Error('usage: grouped-client.js FILE --out DIR [options]');
  const shapes = ['groups', 'lanes', 'window', 'window-groups'];
  if (!shapes.includes(values.shape!)) throw new Error(`--shape: one of ${shapes.join(', ')}`);
  if (values.mode !== 'poll' && values.mode !== 'stream') throw new Error('--mode: poll or stream');
  const oneActivity = values.shape === 'window' || values.shape === 'window-groups';
  if (oneActivity && values.mode !== 'stream') throw new Error(`--shape ${values.shape}: stream only`);
  const concurrency = whole(values.concurrency, 'concurrency');
  const perWorkflow = whole(values['per-workflow'], 'per-workflow');
  const records = parse(await readFile(file), { columns: true, bom: true }) as { id: string; question: string }[];
  const questions: PrototypeQuestion[] = records.map((r) => ({ rowId: r.id, question: r.question }));

  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  const common = {
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'mwbatch',
    typedSearchAttributes: [{ key: BATCH_ID, value: values.batch }],
  };
  const answerTimes = new AnswerTimes();
  const settings = (): PrototypeSettings => ({
    mode: values.mode as 'poll' | 'stream',
    firstPollMs: answerTimes.firstPollMs(),
    ...(values.local && { local: true }),
  });
  const answers: PrototypeAnswer[] = [];
  const landed = (answer: PrototypeAnswer) => {
    answers.push(answer);
    // AnswerTimes reads the turns of a conversation's result: a prototype answer is one such turn.
    answerTimes.add({ turns: [answer] } as unknown as ConversationResult);
  };
  let inFlight = 0;
  let peakInFlight = 0;
  const began = (n: number) => (peakInFlight = Math.max(peakInFlight, (inFlight += n)));
  const startedAt = Date.now();

  // WB and WGB: this process runs the worker of the prototype's one activity per workflow.
  let windowWorker: { worker: Worker; running: Promise<void> } | undefined;
  if (oneActivity) {
    const env = (name: string) => process.env[name] ?? '';
    const moveworks = new MoveworksClient({
      baseUrl: env('MOVEWORKS_BASE_URL'),
      assistantName: env('MOVEWORKS_ASSISTANT_NAME'),
      auth: new StaticTokenAuth(env('MOVEWORKS_TOKEN')),
    });
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS }),
      taskQueue: windowTaskQueue(common.taskQueue),
      activities: createWindowActivities(moveworks),
    });
    windowWorker = { worker, running: worker.run() };
  }

  if (values.shape === 'window') {
    const lanes = Math.ceil(concurrency / perWorkflow);
    const share = Math.ceil(questions.length / lanes);
    const handles = [];
    for (let i = 0; i * share < questions.length; i++) {
      const lane = questions.slice(i * share, (i + 1) * share);
      handles.push(
        await client.workflow.start('windowWorkflow', {
          ...common,
          workflowId: `${values.batch}-window-${i}`,
          args: [{ questions: lane, window: perWorkflow }],
        }),
      );
      began(Math.min(perWorkflow, lane.length));
    }
    for (const handle of handles) ((await handle.result()) as PrototypeAnswer[]).forEach(landed);
  } else if (values.shape === 'groups' || values.shape === 'window-groups') {
    let next = 0;
    const slot = async () => {
      while (next < questions.length) {
        const index = next / perWorkflow;
        const group = questions.slice(next, (next += perWorkflow));
        const handle =
          values.shape === 'groups'
            ? await client.workflow.start('groupedQuestionsWorkflow', {
                ...common,
                workflowId: `${values.batch}-group-${index}`,
                args: [{ questions: group, settings: settings() }],
              })
            : await client.workflow.start('windowWorkflow', {
                ...common,
                workflowId: `${values.batch}-group-${index}`,
                args: [{ questions: group, window: group.length }],
              });
        began(group.length);
        const result = (await handle.result()) as PrototypeAnswer[];
        inFlight -= group.length;
        result.forEach(landed);
      }
    };
    await Promise.all(Array.from({ length: Math.ceil(concurrency / perWorkflow) }, slot));
  } else {
    const lanes: { handle: WorkflowHandle; asked: number }[] = [];
    for (let i = 0; i < Math.ceil(concurrency / perWorkflow); i++) {
      const handle = await client.workflow.start('laneWorkflow', {
        ...common,
        workflowId: `${values.batch}-lane-${i}`,
      });
      lanes.push({ handle, asked: 0 });
    }
    let next = 0;
    const slot = async () => {
      while (next < questions.length) {
        const question = questions[next++]!;
        const lane = lanes.reduce((a, b) => (b.asked < a.asked ? b : a));
        lane.asked += 1;
        began(1);
        try {
          landed(await lane.handle.executeUpdate('ask', { args: [question, settings()], updateId: question.rowId }));
        } finally {
          lane.asked -= 1;
          inFlight -= 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, slot));
    for (const lane of lanes) await lane.handle.signal('finish');
    for (const lane of lanes) await lane.handle.result();
  }
  if (windowWorker) {
    windowWorker.worker.shutdown();
    await windowWorker.running;
  }
  await connection.close();

  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'results.jsonl'), answers.map((a) => `${JSON.stringify(a)}\n`).join(''));
  const rows = answers.map((a) => [a.rowId, a.status]);
  await writeFile(join(values.out, 'results.csv'), csvText([['id', 'status'], ...rows], { bom: true }));
  const completed = answers.filter((a) => a.status === 'COMPLETED').length;
  const summary = { questions: questions.length, completed, peakInFlight, wallMs: Date.now() - startedAt };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 2;
});
