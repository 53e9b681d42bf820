/**
 * The plain, non-durable Node scripts of bench/compare.ts (variants C, C1 and D): what a user would write instead of
 * mwbatch.
 *
 *   node dist/bench/bench/plain-script.js FILE --out DIR [--concurrency 50] [--deadline-ms 150000]
 *     [--poll-every-ms MS | --stream]
 *   (env MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME, MOVEWORKS_TOKEN)
 *
 * It reads the CSV (columns id, question), runs a bounded pool of `--concurrency` tasks, and for each question uses
 * the project's MoveworksClient:
 * - C (default): createConversation → createResponse → poll getResponse on the project's poll schedule
 *   (DEFAULT_POLL_SCHEDULE: first poll after 1 s, ×1.5, capped at 5 s) until COMPLETED or FAILED;
 * - C1 (`--poll-every-ms 1000`): the same, polling every MS ms (what a user writes in ten minutes);
 * - D (`--stream`): createConversation → createResponseStream, read to its terminal event; when the stream breaks
 *   after naming the response, that response is polled as in C (never asked again); a stream that failed before
 *   naming it is an ERROR row.
 * A 429 is retried after its Retry-After (1 s when absent), as a user would; other retryable failures (5xx,
 * timeouts, network) a few times with a doubling backoff. No Temporal, nothing durable: a crash loses every question
 * in flight.
 *
 * Writes DIR/results.jsonl and DIR/results.csv in the shape bench/measure.ts `readResults` reads (rowId, status,
 * latencyMs: from the createResponse / createResponseStream call to the terminal status, like the workflow's
 * latency), and prints one JSON summary line on stdout: { questions, completed, peakInFlight, wallMs, mode }.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { csvText } from '../common/csv';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '../common/types';
import {
  extractAnswer,
  isRetryable,
  isTerminalStatus,
  MoveworksClient,
  MoveworksError,
  RateLimitError,
  StaticTokenAuth,
  StreamError,
  type AssistantResponse,
} from '../moveworks';

const RATE_LIMIT_WINDOW_MS = 10 * 60_000; // keep retrying 429s this long (the workflows' submit window)
const OTHER_RETRIES = 5;

interface Row {
  id: string;
  question: string;
}

interface Outcome {
  rowId: string;
  question: string;
  status: 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'ERROR';
  answer: string;
  latencyMs: number;
  attempts: number;
  errorCode?: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** One API call, retried after a 429 (Retry-After) and a few times after other retryable failures. */
async function withRetries<T>(call: () => Promise<T>, count: () => void): Promise<T> {
  const startedAt = Date.now();
  for (let failures = 0; ;) {
    count();
    try {
      return await call();
    } catch (err) {
      if (err instanceof RateLimitError && Date.now() - startedAt < RATE_LIMIT_WINDOW_MS) {
        await sleep(err.retryAfterMs ?? 1000);
        continue;
      }
      failures += 1;
      if (!isRetryable(err) || failures > OTHER_RETRIES) throw err;
      await sleep(Math.min(30_000, 1000 * 2 ** (failures - 1)));
    }
  }
}

/** `--poll-every-ms MS`: a fixed interval; otherwise the workflows' own schedule (1 s, ×1.5, cap 5 s). */
function pollSchedule(everyMs: string | undefined): PollSchedule {
  if (everyMs === undefined) return DEFAULT_POLL_SCHEDULE;
  const ms = Number(everyMs);
  if (!(ms > 0)) throw new Error(`--poll-every-ms must be a number > 0, not ${everyMs}`);
  return { firstDelayMs: ms, factor: 1, maxDelayMs: ms };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      concurrency: { type: 'string', default: '50' },
      'deadline-ms': { type: 'string', default: '150000' },
      'poll-every-ms': { type: 'string' },
      stream: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  const usage = 'usage: plain-script FILE --out DIR [--concurrency N] [--poll-every-ms MS | --stream]';
  if (!file || !values.out) throw new Error(usage);
  if (values.stream && values['poll-every-ms'] !== undefined) throw new Error(`${usage}: not both`);
  const concurrency = Number(values.concurrency);
  const deadlineMs = Number(values['deadline-ms']);
  const schedule = pollSchedule(values['poll-every-ms']);
  const mode = values.stream ? 'stream' : `poll ${JSON.stringify(schedule)}`;
  const rows = (parse(await readFile(file), { columns: true, bom: true, skip_empty_lines: true }) as Row[]).map(
    (r) => ({ id: r.id, question: r.question }),
  );

  const client = new MoveworksClient({
    baseUrl: env('MOVEWORKS_BASE_URL'),
    assistantName: env('MOVEWORKS_ASSISTANT_NAME'),
    auth: new StaticTokenAuth(env('MOVEWORKS_TOKEN')),
  });

  await mkdir(values.out, { recursive: true });
  const journal = createWriteStream(join(values.out, 'results.jsonl'));
  const outcomes: Outcome[] = [];
  let inFlight = 0;
  let peakInFlight = 0;

  /** Polls the response on the schedule until it is terminal or the turn's deadline passes (then undefined). */
  const poll = async (conversationId: string, responseId: string, deadline: number, count: () => void) => {
    for (let delay = schedule.firstDelayMs; ; delay = Math.min(delay * schedule.factor, schedule.maxDelayMs)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await sleep(Math.min(delay, remaining));
      const response = await withRetries(() => client.getResponse(conversationId, responseId), count);
      if (isTerminalStatus(response.status)) return response;
    }
  };

  /** D: the answer from the stream; after a stream problem that named the response, from polling it. */
  const streamed = async (conversationId: string, question: string, deadline: number, count: () => void) => {
    const stream = await withRetries(() => client.createResponseStream(conversationId, { text: question }), count);
    try {
      return await stream.finalResponse();
    } catch (err) {
      if (!(err instanceof StreamError) || !err.responseId) throw err; // maybe asked: never ask again
      return poll(conversationId, err.responseId, deadline, count);
    }
  };

  const ask = async (row: Row): Promise<Outcome> => {
    let attempts = 0;
    const count = () => void (attempts += 1);
    let submittedAt = Date.now();
    const outcome = (status: Outcome['status'], answer = '', errorCode?: string): Outcome => {
      const latencyMs = status === 'TIMED_OUT' ? deadlineMs : Date.now() - submittedAt;
      return { rowId: row.id, question: row.question, status, answer, latencyMs, attempts, errorCode };
    };
    try {
      const conversation = await withRetries(() => client.createConversation(), count);
      const conversationId = conversation.conversation_id;
      submittedAt = Date.now();
      const deadline = submittedAt + deadlineMs;
      let response: AssistantResponse | undefined;
      if (values.stream) {
        response = await streamed(conversationId, row.question, deadline, count);
      } else {
        const created = await withRetries(() => client.createResponse(conversationId, { text: row.question }), count);
        response = await poll(conversationId, created.response_id, deadline, count);
      }
      if (!response) return outcome('TIMED_OUT');
      return outcome(response.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED', extractAnswer(response).text);
    } catch (err) {
      return outcome('ERROR', '', err instanceof MoveworksError ? err.code : String(err));
    }
  };

  let next = 0;
  const task = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      const outcome = await ask(row);
      inFlight -= 1;
      outcomes.push(outcome);
      journal.write(`${JSON.stringify(outcome)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, task));
  await new Promise<void>((resolve, reject) => journal.end((err?: Error | null) => (err ? reject(err) : resolve())));

  const header = ['id', 'question', 'status', 'answer', 'latency_ms', 'attempts', 'error_code'];
  const csvRows = outcomes.map((o) =>
    [o.rowId, o.question, o.status, o.answer, o.latencyMs, o.attempts, o.errorCode ?? ''].map(String),
  );
  await writeFile(join(values.out, 'results.csv'), csvText([header, ...csvRows], { bom: true }));
  const completed = outcomes.filter((o) => o.status === 'COMPLETED').length;
  const summary = { questions: rows.length, completed, peakInFlight, wallMs: Date.now() - startedAt, mode };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = completed === rows.length ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`plain-script: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
