/**
 * `mwbatch rate-limit show | set R | clear`: the global API budget, which is the rate limit of the `<queue>-api`
 * task queue on the Temporal server (batch/rate-limit.ts), shared by every worker. `submit --rps R` sets it too.
 */
import type { Command } from 'commander';
import { apiTaskQueue } from '../../common/names';
import { clearApiRateLimit, currentApiRateLimit, setApiRateLimit } from '../../batch/rate-limit';
import { printText } from '../output';
import { positiveNumber, withClient } from './common';

/** `--rps R` or `--rps none` (remove the limit). */
export function rpsValue(value: string): number | 'none' {
  return value === 'none' ? 'none' : positiveNumber(value);
}

export function registerRateLimit(program: Command): void {
  const rateLimit = program
    .command('rate-limit')
    .description('the global API budget: the rate limit of the <queue>-api task queue, shared by every worker');

  rateLimit
    .command('show')
    .description('the rate limit set on the server, if any')
    .action(async () => {
      await withClient(async (client, { taskQueue }) => {
        const rps = await currentApiRateLimit(client, taskQueue);
        printText(
          rps
            ? `${apiTaskQueue(taskQueue)}: ${rps} requests/s`
            : `${apiTaskQueue(taskQueue)}: no rate limit set on the server (a worker's MWBATCH_RPS applies, if set)`,
        );
      });
    });

  rateLimit
    .command('set')
    .description('set the rate limit, in requests per second (as `submit --rps R` does)')
    .argument('<rps>', 'requests per second, shared by every worker', positiveNumber)
    .action(async (rps: number) => {
      await withClient(async (client, { taskQueue }) => {
        await setApiRateLimit(client, taskQueue, rps);
        printText(`${apiTaskQueue(taskQueue)}: ${rps} requests/s`);
      });
    });

  rateLimit
    .command('clear')
    .description('remove the rate limit (as `submit --rps none` does)')
    .action(async () => {
      await withClient(async (client, { taskQueue }) => {
        await clearApiRateLimit(client, taskQueue);
        printText(`${apiTaskQueue(taskQueue)}: rate limit removed`);
      });
    });
}
