/**
 * With a key configured, questions, answers and failure messages are ciphertext in Temporal's history: only the
 * key holders (the client, the worker, the codec server) can read them.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { startCodecServer, type CodecServer } from '../../codec/codec-server';
import { singleKeySet } from '../../codec/keys';
import { apiTaskQueue, CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { createDataConverter } from '../../codec/data-converter';
import { MoveworksClient, StaticTokenAuth } from '../../moveworks';
import { expectedAnswer, startSimulator, type Simulator } from '../../simulator';

Runtime.install({ logger: new DefaultLogger('WARN') });

const ENCRYPTED = 'binary/encrypted';
const marker = randomUUID();
const question = `Which cost centre pays for contractor laptops? ${marker}`;
const failingQuestion = `Will this one fail? [sim:fail] ${marker}`;
/** What the API says when it refuses the whitespace-only turn: an activity failure message. */
const refusal = 'input.text is required';
const answer = expectedAnswer(question);
/** Payloads hold JSON, where the answer's quotes are escaped. */
const inJson = (text: string) => JSON.stringify(text).slice(1, -1);
const secrets = [marker, question, answer, inJson(answer), refusal];

const keys = singleKeySet(randomBytes(32));
const dataConverter = createDataConverter(keys)!;

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const unb64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** The text plus every base64 `data` decoded, so a search also sees what a payload would say in plaintext. */
function withDecodedPayloads(exported: string): string {
  const decoded = [...exported.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => unb64(m[1]));
  return [exported, ...decoded].join('\n');
}

/** The search attribute the SDK sets for patched() (workflows/conversation.ts): indexed, so never encrypted. */
const CHANGE_VERSION = 'TemporalChangeVersion';
const PATCH_IDS = ['cancel-keeps-answers', 'open-with-first-turn'];

/** The marker patched() records: the SDK writes it past the data converter; it holds the patch id alone. */
const PATCH_MARKER = 'core_patch';

function expectPatchMarker(marker: object): void {
  for (const data of JSON.stringify(marker).match(/"data":\s*"[A-Za-z0-9+/=]+"/g) ?? []) {
    const { id, ...rest } = JSON.parse(unb64(data.split('"')[3])) as { id: string; deprecated?: boolean };
    expect(PATCH_IDS).toContain(id);
    expect(Object.keys(rest)).toEqual(['deprecated']);
  }
}

/**
 * Every payload of a history in proto3 JSON form (bytes as base64), except what patched() leaves (its marker and
 * the TemporalChangeVersion search attribute), which must hold nothing but this project's patch ids.
 */
function payloadsIn(node: unknown, found: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(node)) {
    for (const item of node) payloadsIn(item, found);
  } else if (typeof node === 'object' && node !== null) {
    const candidate = node as JsonPayload;
    if (typeof candidate.metadata?.encoding === 'string') found.push(candidate);
    else if ((node as { markerName?: string }).markerName === PATCH_MARKER) expectPatchMarker(node);
    else
      for (const [key, value] of Object.entries(node)) {
        if (key !== CHANGE_VERSION) payloadsIn(value, found);
        else
          for (const id of JSON.parse(unb64((value as JsonPayload).data)) as string[]) expect(PATCH_IDS).toContain(id);
      }
  }
  return found;
}

/** Checks a history export reveals nothing, and returns its payloads, every one of them encrypted. */
function expectOnlyCiphertext(exported: string): JsonPayload[] {
  const text = withDecodedPayloads(exported);
  for (const secret of secrets) expect(text).not.toContain(secret);
  const payloads = payloadsIn(JSON.parse(exported));
  expect(payloads.length).toBeGreaterThan(0);
  expect(new Set(payloads.map((p) => unb64(p.metadata?.encoding)))).toEqual(new Set([ENCRYPTED]));
  return payloads;
}

const execFileAsync = promisify(execFile);

/** Not execFileSync: with --codec-endpoint the CLI calls back into the codec server running in this process. */
async function temporalCli(...args: string[]): Promise<string> {
  const address = ['--address', inject('temporalAddress')];
  const { stdout } = await execFileAsync(inject('temporalCli'), [...args, ...address], { timeout: 30_000 });
  return stdout;
}

let sim: Simulator;
let nativeConnection: NativeConnection;
let connection: Connection;
let workers: Worker[];
let running: Promise<unknown>;
let codecServer: CodecServer;
let client: Client;
let plainClient: Client;
let result: ConversationResult;
const workflowId = `enc-${randomUUID()}/c1`;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const taskQueue = `test-${randomUUID()}`;
  sim = await startSimulator({ answerDelayMs: 200 });
  nativeConnection = await NativeConnection.connect({ address });
  const moveworks = new MoveworksClient({
    baseUrl: sim.baseUrl,
    assistantName: sim.config.assistantName,
    auth: new StaticTokenAuth(sim.config.token),
    timeoutMs: 5_000,
  });
  // createWorkerPair takes no data converter, so the pair is built here the same way, with one.
  workers = [
    await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter,
    }),
    await Worker.create({
      connection: nativeConnection,
      taskQueue: apiTaskQueue(taskQueue),
      activities: createActivities({ moveworks }),
      dataConverter,
    }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
  connection = await Connection.connect({ address });
  client = new Client({ connection, dataConverter });
  plainClient = new Client({ connection });
  codecServer = await startCodecServer({ keys, port: 0 });

  const input: ConversationInput = {
    batchId: 'encryption',
    conversationKey: 'c1',
    turns: [
      { rowId: 'r1', question },
      { rowId: 'r2', question: failingQuestion },
      // Whitespace only: the API refuses it (400), so a non-retryable activity failure lands in the history.
      { rowId: 'r3', question: '   ' },
    ],
    poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 },
  };
  result = await client.workflow.execute<(i: ConversationInput) => Promise<ConversationResult>>(
    CONVERSATION_WORKFLOW_TYPE,
    { taskQueue, workflowId, args: [input] },
  );
});

afterAll(async () => {
  for (const worker of workers ?? []) if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await Promise.all([connection?.close(), nativeConnection?.close(), sim?.close(), codecServer?.close()]);
});

describe('payload encryption', () => {
  it('gives the client holding the key the plaintext answers', () => {
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'FAILED', 'ERROR']);
    expect(result.turns[0]!.answer).toBe(answer);
    expect(result.turns[2]!.errorMessage).toContain(refusal);
  });

  it('stores only ciphertext: a client without the key reads neither questions, answers nor failures', async () => {
    const handle = plainClient.workflow.getHandle(workflowId);
    await expect(handle.result()).rejects.toThrow(ENCRYPTED);
    const history = await handle.fetchHistory();
    const json = JSON.stringify(
      temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, { bytes: String }),
    );
    expectOnlyCiphertext(json);

    const failures = (history.events ?? []).flatMap((e) => e.activityTaskFailedEventAttributes?.failure ?? []);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.message).toBe('Encoded failure');
      expect(Buffer.from(failure.encodedAttributes?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED);
    }
  });

  it('exports only ciphertext with `temporal workflow show`, which the codec server decodes', async () => {
    const exported = await temporalCli('workflow', 'show', '--workflow-id', workflowId, '--output', 'json');
    const payloads = expectOnlyCiphertext(exported);
    const res = await fetch(`${codecServer.url}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default' },
      body: JSON.stringify({ payloads }),
    });
    expect(res.status).toBe(200);
    const decoded = ((await res.json()) as { payloads: JsonPayload[] }).payloads.map((p) => unb64(p.data)).join('\n');
    expect(decoded).toContain(question);
    expect(decoded).toContain(inJson(answer));
    expect(decoded).toContain(refusal);

    // The CLI speaks the same protocol: with --codec-endpoint it shows the plaintext.
    const shown = await temporalCli(
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--codec-endpoint',
      codecServer.url,
    );
    expect(shown).toContain(marker);
  });
});
