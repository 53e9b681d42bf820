/**
 * `apiCheckWorkflow`: the Moveworks API check (activities/api-check.ts) run once by a worker, so that the CLI, which
 * holds no API credentials, can learn before a batch fans out whether the workers' configuration can work. No
 * retries and short timeouts: the CLI waits a few seconds for the answer, then goes on without it.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ApiCheckActivities, ApiCheckResult } from '../activities/api-check';
import { apiTaskQueue } from '../common/names';

export async function apiCheckWorkflow(): Promise<ApiCheckResult> {
  const { checkApi } = proxyActivities<ApiCheckActivities>({
    taskQueue: apiTaskQueue(workflowInfo().taskQueue),
    // The HTTP call gives up after API_CHECK_TIMEOUT_MS (10 s); a busy API queue may delay its start a little.
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '1m',
    retry: { maximumAttempts: 1 },
  });
  return checkApi();
}
