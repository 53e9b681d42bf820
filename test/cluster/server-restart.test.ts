/**
 * On a PostgreSQL-backed cluster of its own (so the rest of the suite keeps its server): the Temporal server killed
 * with SIGKILL mid-batch and started again on the same ports and database, two worker processes running throughout.
 * The batch completes (re-running the command if the client gave up during the outage, as the README says), every
 * row answered, each question asked once.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../../dev/cluster';
import type { CliRun } from '../helpers/cli';
import { startClusterStack } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';
import { CASE_TIMEOUT_MS } from '../fault/helpers/fault-stack';
import type { CliProcess, WorkerProcess } from '../fault/helpers/processes';
import { verifyBatch } from '../fault/helpers/verify';

const MAX_CLI_RUNS = 5;

/** Waits for the CLI to exit, starting any worker that exited on its own meanwhile again. */
async function superviseUntilExit(run: CliProcess, workers: WorkerProcess[]): Promise<CliRun> {
  let result: CliRun | undefined;
  void run.done.then((r) => (result = r));
  for (;;) {
    await waitFor('the CLI to exit (or a worker to stop)', () => result || workers.some((w) => !w.running), 240_000);
    if (result) return result;
    for (const w of workers.filter((w) => !w.running)) await w.start();
  }
}

describe('cluster: the Temporal server restarted mid-batch', { timeout: CASE_TIMEOUT_MS * 2 }, () => {
  it('completes the batch after a SIGKILL of the server, each question asked once', async () => {
    const cluster = await startCluster({ log: () => undefined });
    onTestFinished(() => cluster.stop()); // after the stack's own clean-up (these run in reverse order)
    const { stack, workers } = await startClusterStack({
      name: 'cluster-server-restart',
      temporalAddress: cluster.address,
    });
    let cli = stack.startSubmit();
    let firstRun: CliRun | undefined;
    void cli.done.then((r) => (firstRun = r));

    await stack.waitForRequests(0, 200);
    expect(firstRun, 'the batch finished before the server could be killed').toBeUndefined();
    const killedAtRequest = stack.requestCount();
    await cluster.killServer();
    const downAt = Date.now();
    await cluster.startServer();
    const downMs = Date.now() - downAt;

    const exitCodes: (number | null)[] = [];
    for (;;) {
      const run = await superviseUntilExit(cli, workers);
      exitCodes.push(run.code);
      if (run.code === 0 || exitCodes.length === MAX_CLI_RUNS) break;
      cli = stack.startSubmit(); // the same command again
    }
    verifyBatch(stack, 1, {
      killedAtRequest,
      downMs,
      cliRuns: exitCodes.length,
      cliExitCodes: exitCodes.map(String).join('/'),
      workerRestarts: workers.reduce((n, w) => n + w.starts - 1, 0),
    });
    expect(exitCodes.at(-1), `the CLI kept failing (${exitCodes.join(', ')})`).toBe(0);
  });
});
