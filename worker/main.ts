/**
 * The worker process: configuration from the environment (validated), one connection to Temporal, one Moveworks
 * API call to check the base URL and credentials, the workflow and activity workers, and a graceful shutdown on
 * SIGINT/SIGTERM (handled by the SDK runtime: in-flight activities finish, then the process exits).
 */
import { NativeConnection } from '@temporalio/worker';
import { checkMoveworksApi, isFatalApiProblem } from '../activities/api-check';
import { ApiCheckError, UnreachableTemporalError } from '../common/errors';
import { exitOnError } from '../cli/exit';
import { safeForTerminal } from '../common/terminal';
import { loadDataConverter } from '../codec/data-converter';
import { createMoveworksClient } from '../config/moveworks';
import type { TemporalOverrides } from '../config/temporal';
import { loadWorkerSettings } from './config';
import { applyHeapSettings } from './heap';
import { createWorkerPair } from './workers';

/** `overrides`: `mwbatch worker --address / --namespace`, over the environment and the TEMPORAL_PROFILE profile. */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: TemporalOverrides = {},
): Promise<void> {
  const settings = loadWorkerSettings(env, overrides);
  const dataConverter = loadDataConverter(env);
  // Before Worker.create: the workflow thread's heap limit only reaches threads started afterwards.
  applyHeapSettings(settings.heap);
  const { temporal } = settings;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporal.connection);
  } catch (err) {
    throw new UnreachableTemporalError(temporal.address, err);
  }
  try {
    const moveworks = createMoveworksClient(settings.moveworks);
    // A worker whose every call would be refused (or go nowhere) must not take work: stop now, naming the variable.
    const check = await checkMoveworksApi(moveworks);
    if (!check.ok) {
      if (isFatalApiProblem(check)) throw new ApiCheckError(check, "in this worker's environment and start it again.");
      console.error(
        safeForTerminal(`warning: Moveworks API check: ${check.message}; starting anyway (calls are retried)`),
      );
    }
    const workers = await createWorkerPair({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      moveworks,
      rps: settings.rps,
      maxConcurrentActivities: settings.maxConcurrentActivities,
      maxCachedWorkflows: settings.maxCachedWorkflows,
      workflowBundlePath: env.MWBATCH_WORKFLOW_BUNDLE,
      dataConverter,
      runsDir: settings.runsDir,
      env,
    });
    const rps = settings.rps ? `, API budget ${settings.rps} req/s` : '';
    const encrypted = dataConverter ? ', payloads encrypted' : '';
    console.error(
      `mwbatch worker polling ${temporal.taskQueue} on ${temporal.address} (namespace ${temporal.namespace})` +
        ` → ${settings.moveworks.baseUrl}${rps}${encrypted}`,
    );
    await workers.run();
    console.error('mwbatch worker stopped');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch(exitOnError);
}
