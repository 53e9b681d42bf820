/**
 * Variant C of bench/compare.ts: the plain, non-durable Node script a user would write instead of mwbatch.
 *
 *   node dist/bench/bench/plain-script.js FILE --out DIR [--concurrency 50] [--deadline-ms 150000]
 *   (env MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME, MOVEWORKS_TOKEN)
 *
 * It reads the CSV (columns id, question), runs a bounded pool of `--concurrency` tasks, and for each question uses
 * the project's MoveworksClient to createConversation → createResponse → poll getResponse on the project's poll
 * schedule (first poll after 1 s, ×1.5, capped at 5 s) until COMPLETED or FAILED. A 429 is retried after its
 * Retry-After (1 s when absent), as a user would; other retryable failures (5xx, timeouts, network) a few times with
 * a doubling backoff. No Temporal, nothing durable: a crash loses every question in flight.
 *
 * Writes DIR/results.jsonl and DIR/results.csv in the shape bench/measure.ts `readResults` reads (rowId, status,
 * latencyMs: from the createResponse call to the poll that saw the terminal status, like the workflow's latency),
 * and prints one JSON summary line on stdout: { questions, completed, peakInFlight, wallMs }.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { csvText } from '../common/csv';
import { DEFAULT_POLL_SCHEDULE } from '../common/types';
import {
  extractAnswer,
  isRetryable,
  isTerminalStatus,
  MoveworksClient,
  MoveworksError,
  RateLimitError,
  StaticTokenAuth,
} from '../moveworks';

const SCHEDULE = DEFAULT_POLL_SCHEDULE; // 1 s, ×1.5, cap 5 s: the same schedule as the workflows
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

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      concurrency: { type: 'string', default: '50' },
      'deadline-ms': { type: 'string', default: '150000' },
    },
  });
  const file = positionals[0];
  if (!file || !values.out) throw new Error('usage: plain-script FILE --out DIR [--concurrency N]');
  const concurrency = Number(values.concurrency);
  const deadlineMs = Number(values['deadline-ms']);
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

  const ask = async (row: Row): Promise<Outcome> => {
    let attempts = 0;
    const count = () => void (attempts += 1);
    let submittedAt = Date.now();
    try {
      const conversation = await withRetries(() => client.createConversation(), count);
      const conversationId = conversation.conversation_id;
      submittedAt = Date.now();
      const created = await withRetries(() => client.createResponse(conversationId, { text: row.question }), count);
      const deadline = submittedAt + deadlineMs;
      for (let delay = SCHEDULE.firstDelayMs; ; delay = Math.min(delay * SCHEDULE.factor, SCHEDULE.maxDelayMs)) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await sleep(Math.min(delay, remaining));
        const response = await withRetries(() => client.getResponse(conversationId, created.response_id), count);
        if (isTerminalStatus(response.status)) {
          return {
            rowId: row.id,
            question: row.question,
            status: response.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
            answer: extractAnswer(response).text,
            latencyMs: Date.now() - submittedAt,
            attempts,
          };
        }
      }
      return {
        rowId: row.id,
        question: row.question,
        status: 'TIMED_OUT',
        answer: '',
        latencyMs: deadlineMs,
        attempts,
      };
    } catch (err) {
      const errorCode = err instanceof MoveworksError ? err.code : String(err);
      const latencyMs = Date.now() - submittedAt;
      return { rowId: row.id, question: row.question, status: 'ERROR', answer: '', latencyMs, attempts, errorCode };
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
  const summary = { questions: rows.length, completed, peakInFlight, wallMs: Date.now() - startedAt };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = completed === rows.length ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`plain-script: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
