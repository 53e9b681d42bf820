/**
 * Builds the two workers one process runs: on the main task queue the workflows, the evaluation runs' checks (which
 * call no API) and the HTTP activities of conversations started without a rate limit (handed to this worker eagerly,
 * in the reply to the workflow task that scheduled them); on the API task queue the HTTP activities of rate-limited
 * conversations (and of those older starters began), whose rate limit (MWBATCH_RPS) Temporal enforces for every
 * worker together.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import { createEvaluationActivities } from '../activities/evaluation';
import { apiTaskQueue } from '../common/names';
import { MAX_PER_WORKFLOW } from '../common/types';
import type { MoveworksClient } from '../moveworks';
import { rowLogContext } from '../observability/activity-log-context';
import { DROP_WORKFLOW_SPANS, WORKFLOW_TRACING_MODULE, type WorkerTracing } from '../observability/tracing';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES } from './config';
import { letYoungGenerationGrow } from './heap';

export interface WorkerPairOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  moveworks: MoveworksClient;
  rps?: number;
  maxConcurrentActivities?: number;
  maxCachedWorkflows?: number;
  /**
   * A pre-built bundle (bundleWorkflowCode) skips webpack at start-up: tests and production use it. Default: the one
   * `npm run build` wrote for this worker, traced or not.
   */
  workflowBundlePath?: string;
  /** Payload encryption (codec/data-converter.ts); the same converter must be given to every client. */
  dataConverter?: DataConverter;
  /** Where scheduled evaluation runs write their files (MWBATCH_RUNS_DIR); default `runs`. */
  runsDir?: string;
  /** The environment the notification activity reads the webhook URL from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** OpenTelemetry tracing (observability/tracing.ts): the traced bundle, its sink, the activity interceptors. */
  tracing?: WorkerTracing;
}

/** The workflows' source: the .ts file when running from source (tests), the compiled .js from dist/. */
export function workflowsPath(): string {
  const ts = join(__dirname, '..', 'workflows', 'index.ts');
  return existsSync(ts) ? ts : join(__dirname, '..', 'workflows', 'index.js');
}

/**
 * The bundle `npm run build` writes next to the compiled code, when present: dist/workflow-bundle.js, or with
 * `traced` dist/workflow-bundle-traced.js, the same workflows with the tracing interceptors
 * (scripts/bundle-workflows.ts).
 */
export function prebuiltBundlePath(traced = false): string | undefined {
  const bundle = traced
    ? join(__dirname, '..', 'workflow-bundle-traced.js')
    : join(__dirname, '..', 'workflow-bundle.js');
  return existsSync(bundle) ? bundle : undefined;
}

export interface WorkerPair {
  workflowWorker: Worker;
  activityWorker: Worker;
  /** Runs both until shutdown() (or a signal the SDK runtime handles: SIGINT, SIGTERM). */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkerPair(options: WorkerPairOptions): Promise<WorkerPair> {
  // Whatever started this process (`mwbatch worker`, `mwbatch dev`, a test), its activities get V8's young-generation
  // sizing back, for their throughput: `bin/mwbatch.js` starts every command with it small (worker/heap.ts).
  letYoungGenerationGrow();
  const { connection, namespace, taskQueue } = options;
  const { tracing } = options;
  const bundlePath = options.workflowBundlePath ?? prebuiltBundlePath(tracing !== undefined);
  // Without a bundle the worker bundles the workflows itself, with the interceptors the traced bundle carries.
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = bundlePath
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: workflowsPath() };
  const workflowModules = !bundlePath && tracing ? [WORKFLOW_TRACING_MODULE] : [];
  const activityInterceptors = [rowLogContext, ...(tracing?.activityInterceptors ?? [])];
  const httpActivities = createActivities({ moveworks: options.moveworks, severalRequests: options.rps === undefined });
  const maxConcurrentActivityTaskExecutions = options.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES;
  const workflowWorker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...workflowSource,
    interceptors: { workflowModules, activity: activityInterceptors },
    sinks: tracing?.sinks ?? DROP_WORKFLOW_SPANS,
    // The checks read answers from Temporal through a client over this worker's own connection.
    activities: {
      ...httpActivities,
      ...createEvaluationActivities({
        client: new Client({ connection, namespace, dataConverter: options.dataConverter }),
        runsDir: options.runsDir ?? 'runs',
        env: options.env,
      }),
    },
    dataConverter: options.dataConverter,
    maxCachedWorkflows: options.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions,
    // With MWBATCH_RPS the budget covers this queue's activities too (a conversation started without `--rps` runs
    // its HTTP calls here), and none is dispatched eagerly: an eager activity skips the server's rate limiter.
    // Without it, a question group's first workflow task schedules all its questions at once, and this worker takes
    // every one of them in the server's reply when it has the slots (the SDK's default takes 3, the rest wait in
    // the queue): bench/COMPARE.md, session 15, measured 2.3-3.4 ms less server CPU per question.
    maxTaskQueueActivitiesPerSecond: options.rps,
    maxEagerActivityReservationsPerWorkflowTask: options.rps === undefined ? MAX_PER_WORKFLOW : 0,
    // New conversations start on the non-sticky queue; the SDK's default (0.2) leaves 2 of 10 pollers there, and
    // measured batches waited seconds for their first workflow task (bench/README.md).
    nonStickyToStickyPollRatio: 0.5,
    // On SIGTERM, let in-flight HTTP calls finish (they time out after 30 s) before they are cancelled.
    shutdownGraceTime: '35s',
  });
  const activityWorker = await Worker.create({
    connection,
    namespace,
    taskQueue: apiTaskQueue(taskQueue),
    activities: httpActivities,
    interceptors: { activity: activityInterceptors },
    dataConverter: options.dataConverter,
    maxConcurrentActivityTaskExecutions,
    maxTaskQueueActivitiesPerSecond: options.rps,
    // On SIGTERM, let in-flight HTTP calls finish (they time out after 30 s) before they are cancelled.
    shutdownGraceTime: '35s',
  });
  return {
    workflowWorker,
    activityWorker,
    async run() {
      await Promise.all([workflowWorker.run(), activityWorker.run()]);
    },
    shutdown() {
      for (const worker of [workflowWorker, activityWorker]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}
