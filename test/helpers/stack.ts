/**
 * A stack on the shared dev server: a simulator over real HTTP, a worker on its own task queue, and a Temporal
 * client. Each stack gets fresh names, so test files can run side by side. One for a whole file (`useTestStack`,
 * or `useCliStack` with the environment the `mwbatch` CLI needs), or one for the running test
 * (`startStackForTest`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, onTestFinished } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

// Keep test output readable: the SDK logs every worker state change at INFO.
Runtime.install({ logger: new DefaultLogger('ERROR') });
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import { STARTER_FLAGS, type ConversationInput, type ConversationResult } from '../../common/types';
import { MoveworksClient, StaticTokenAuth, type AuthProvider } from '../../moveworks';
import { startSimulator, type Simulator, type SimulatorConfig } from '../../simulator';
import { createWorkerPair, type WorkerPair } from '../../worker/workers';
import { useForFile } from './for-file';

export interface TestStack {
  sim: Simulator;
  client: Client;
  taskQueue: string;
  worker: WorkerPair;
  /** Where the worker writes scheduled evaluation runs' files (a fresh temporary folder unless given). */
  runsDir: string;
  close(): Promise<void>;
}

export interface TestStackOptions {
  simulator?: Partial<SimulatorConfig>;
  /** Defaults to the simulator's static token. */
  auth?: (sim: Simulator) => AuthProvider;
  assistantName?: string;
  /** Defaults to the simulator's base URL. */
  baseUrl?: (sim: Simulator) => string;
  rps?: number;
  timeoutMs?: number;
  /** Defaults to a fresh `test-<uuid>`. */
  taskQueue?: string;
  runsDir?: string;
  /** The worker's environment for what it reads at run time (the webhook URL of scheduled runs). */
  env?: NodeJS.ProcessEnv;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const sim = await startSimulator(options.simulator ?? {});
  const address = inject('temporalAddress');
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const runsDir = options.runsDir ?? mkdtempSync(join(tmpdir(), 'mwbatch-runs-'));
  const nativeConnection = await NativeConnection.connect({ address });
  const moveworks = new MoveworksClient({
    baseUrl: options.baseUrl?.(sim) ?? sim.baseUrl,
    assistantName: options.assistantName ?? sim.config.assistantName,
    auth: options.auth?.(sim) ?? new StaticTokenAuth(sim.config.token),
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  const worker = await createWorkerPair({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    moveworks,
    rps: options.rps,
    workflowBundlePath: inject('workflowBundlePath'),
    runsDir,
    env: options.env ?? {},
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    sim,
    client,
    taskQueue,
    worker,
    runsDir,
    async close() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close(), sim.close()]);
    },
  };
}

/** One stack for the whole test file: started before its tests, closed after them. */
export function useTestStack(options: TestStackOptions = {}): TestStack {
  return useForFile(
    'the test stack',
    () => startTestStack(options),
    (stack) => stack.close(),
  );
}

/** A stack of the running test's own, closed when that test ends (pass or fail). */
export async function startStackForTest(options: TestStackOptions = {}): Promise<TestStack> {
  const stack = await startTestStack(options);
  onTestFinished(() => stack.close());
  return stack;
}

/** The environment the `mwbatch` CLI needs to reach the shared dev server and a stack's task queue. */
export function cliEnv(taskQueue: string): NodeJS.ProcessEnv {
  return { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue };
}

/** For the CLI tests: one stack for the whole file, and the environment that points `mwbatch` at it. */
export function useCliStack(options: TestStackOptions = {}): { stack: TestStack; env: NodeJS.ProcessEnv } {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  return { stack: useTestStack({ ...options, taskQueue }), env: cliEnv(taskQueue) };
}

export type ConversationWorkflow = (input: ConversationInput) => Promise<ConversationResult>;

/**
 * Starts one conversation workflow on the stack's task queue, in a batch of its own unless the input names one,
 * with the flags today's starters add (STARTER_FLAGS); an older starter's input sets them to `undefined`.
 */
export function startConversation(
  stack: TestStack,
  input: Partial<ConversationInput> & Pick<ConversationInput, 'turns'>,
) {
  const full: ConversationInput = { batchId: `b-${randomUUID()}`, conversationKey: 'c1', ...STARTER_FLAGS, ...input };
  return stack.client.workflow.start<ConversationWorkflow>(CONVERSATION_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `${full.batchId}/${full.conversationKey}`,
    args: [full],
  });
}
