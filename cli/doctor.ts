/**
 * `mwbatch doctor`: can this setup run a batch? One line per check, each saying what is wrong and how to fix it:
 * Temporal reachable, the namespace, the `BatchId` search attribute, workers polling both task queues, and the
 * Moveworks API asked through one of them (the CLI holds no API credentials).
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { apiTaskQueue, BATCH_ID } from '../common/names';
import { UnreachableTemporalError } from '../common/errors';
import type { TemporalSettings } from '../config/temporal';
import { connectClient } from '../batch/start';
import { API_CHECK_WAIT_MS, runApiCheck, taskQueuePollers } from '../batch/workers';

type Status = 'ok' | 'FAIL' | 'skip';

/** gRPC status NOT_FOUND. */
const NOT_FOUND = 5;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs every check, printing one line each; returns the exit code: 0 all pass, 1 some fail, 3 no Temporal. */
export async function runDoctor(settings: TemporalSettings, print: (line: string) => void): Promise<number> {
  let failed = false;
  const report = (status: Status, text: string) => {
    if (status === 'FAIL') failed = true;
    print(`${status.padEnd(4)}  ${text}`);
  };
  const { address, namespace, taskQueue } = settings;
  let client: Client;
  try {
    client = await connectClient(settings);
  } catch (err) {
    if (!(err instanceof UnreachableTemporalError)) throw err;
    report(
      'FAIL',
      `${err.message}: start Temporal there, or fix TEMPORAL_ADDRESS (and TEMPORAL_TLS_* / TEMPORAL_API_KEY)`,
    );
    return 3;
  }
  try {
    const info = await client.workflowService.getSystemInfo({});
    report('ok', `Temporal at ${address} (server ${info.serverVersion || 'version unknown'})`);

    try {
      await client.workflowService.describeNamespace({ namespace });
      report('ok', `namespace ${namespace}`);
    } catch (err) {
      const missing = isGrpcServiceError(err) && err.code === NOT_FOUND;
      report(
        'FAIL',
        missing
          ? `namespace ${namespace} does not exist on ${address}: fix TEMPORAL_NAMESPACE, or create it (\`temporal operator namespace create --namespace ${namespace}\`)`
          : `namespace ${namespace}: ${messageOf(err)} (check TEMPORAL_NAMESPACE and the credentials for it)`,
      );
      for (const what of ['search attribute BatchId', 'workers', 'Moveworks API'])
        report('skip', `${what}: needs the namespace`);
      return 1;
    }

    try {
      await client.workflow.count(`${BATCH_ID.name}="mwbatch-doctor"`);
      report('ok', `search attribute ${BATCH_ID.name}`);
    } catch (err) {
      report(
        'FAIL',
        `search attribute ${BATCH_ID.name} is not usable in namespace ${namespace} (${messageOf(err)}): register it once as ` +
          `Keyword: \`temporal operator search-attribute create --name ${BATCH_ID.name} --type Keyword --namespace ${namespace}\``,
      );
    }

    const pollers = await taskQueuePollers(client, taskQueue);
    const start = `start one with \`mwbatch worker\` (TEMPORAL_TASK_QUEUE=${taskQueue}, TEMPORAL_NAMESPACE=${namespace})`;
    report(
      pollers.workflow ? 'ok' : 'FAIL',
      pollers.workflow
        ? `${pollers.workflow} worker(s) polling task queue ${taskQueue} (workflows)`
        : `no worker polls task queue ${taskQueue} (workflows): ${start}`,
    );
    report(
      pollers.api ? 'ok' : 'FAIL',
      pollers.api
        ? `${pollers.api} worker(s) polling task queue ${apiTaskQueue(taskQueue)} (API calls)`
        : `no worker polls task queue ${apiTaskQueue(taskQueue)} (API calls): ${start}`,
    );

    if (!pollers.workflow || !pollers.api) {
      report('skip', 'Moveworks API: not checked, no worker to ask (the API credentials live in the workers)');
    } else {
      const result = await runApiCheck(client, taskQueue, 'mwbatch-doctor');
      if (result === undefined) {
        report(
          'FAIL',
          `Moveworks API: no worker ran the check within ${API_CHECK_WAIT_MS / 1000} s (are the workers stuck?)`,
        );
      } else if (result.ok) {
        report('ok', 'Moveworks API answered a worker (MOVEWORKS_BASE_URL, credentials and assistant name work)');
      } else {
        const fix = result.variable ? `: fix ${result.variable} in the workers' environment and restart them` : '';
        report('FAIL', `Moveworks API (asked through a worker, ${result.problem}): ${result.message}${fix}`);
      }
    }
  } finally {
    await client.connection.close();
  }
  return failed ? 1 : 0;
}
