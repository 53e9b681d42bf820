/**
 * `mwbatch dev [FILE]`: the whole stack on this machine, then the bulk job (the README's first command). Each run is
 * a new batch, `demo-<time>`, so that the demo asks its questions every time: its dev server starts empty, and a
 * batch whose answers an earlier run left in results/ would be printed from there with nothing in the Web UI.
 */
import type { Command } from 'commander';
import { apiFlavourFrom, ApiFlavourError, type ApiFlavour } from '../../moveworks/api-flavour';
import { ConfigError } from '../../common/errors';
import { safeForTerminal } from '../../common/terminal';
import { turnText } from '../../common/callback-input';
import { loadTemporalSettings } from '../../config/temporal';
import { checkSubmitBatchId } from '../../batch/batch-id';
import { loadBatchFile, submitFile } from '../../batch/submit-file';
import { atOnceOption, modeOption, perWorkflowOption, positiveInt, withClient } from './common';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: Temporal dev server, simulator, worker, then the bulk job on a CSV')
    .argument('[file]', 'CSV of questions', 'examples/questions.csv')
    .option('--batch <id>', 'batch ID (default: a new one each run, demo-<time>)', checkSubmitBatchId)
    .option('--out <dir>', 'results folder (default: results/<batch>)')
    .option('--port <port>', 'Temporal gRPC port (a free one if taken)', positiveInt, 7233)
    .option('--db-filename <file>', 'keep Temporal state in this SQLite file')
    .option('--concurrency <n>', 'conversations in flight', positiveInt, 50)
    .addOption(modeOption())
    .addOption(perWorkflowOption())
    .addOption(atOnceOption())
    .option('--keep', 'keep the stack running after the job, for the Web UI (Ctrl-C to stop)')
    .option(
      '--cluster',
      'instead: start a PostgreSQL-backed Temporal cluster (built from source with Go) and a simulator, print ' +
        'how to run workers and submit against them, and keep them running until Ctrl-C',
    )
    .action(async (path: string, opts) => {
      if (opts.cluster) return runCluster(opts.port);
      const api = simulatedApi(process.env);
      const batchId: string = opts.batch ?? demoBatchId(new Date());
      const batch = await loadBatchFile(path, { batchId, outDir: opts.out, skipInvalid: false });
      const base = loadTemporalSettings();
      // Loaded when run: the dev stack brings the SDK's worker, which other commands do not need (cli/main.ts).
      const { startDevStack } = await import('../../dev/stack.js');
      const stack = await startDevStack({
        port: opts.port,
        dbFilename: opts.dbFilename,
        taskQueue: base.taskQueue,
        api,
      });
      try {
        const address = stack.server.address;
        process.exitCode = await withClient(
          async (client) => {
            const outcome = await submitFile(client, batch, {
              taskQueue: base.taskQueue,
              concurrency: opts.concurrency,
              perWorkflow: opts.perWorkflow,
              atOnce: opts.atOnce,
              mode: opts.mode,
              wait: true,
              apiCheck: false, // its own worker, on its own simulator
              onRow: (row, status, answer) =>
                console.log(
                  `[${status}] ${safeForTerminal(turnText(row))}\n` +
                    `    → ${safeForTerminal(answer) || '(no answer)'}`,
                ),
            });
            const { skipped } = outcome.summary;
            if (skipped > 0) {
              console.log(
                `\n${skipped} row(s) not asked again: their answers come from an earlier run, read from ${batch.outDir}`,
              );
            }
            console.log(`\nResults: ${batch.outDir}/results.csv and results.jsonl`);
            console.log(`Temporal Web UI: ${stack.batchUrl(batch.batchId) ?? '(headless)'}`);
            return outcome.exitCode;
          },
          // The stack's own server: not the address, namespace, TLS or API key of a TEMPORAL_PROFILE profile.
          { ...base, address, namespace: stack.server.namespace, connection: { address } },
        );
        if (opts.keep) {
          console.log('Stack running; press Ctrl-C to stop.');
          await new Promise((resolve) => process.once('SIGINT', resolve));
        }
      } finally {
        await stack.stop();
      }
    });
}

/** `demo-20261127-093015`: a new batch for each run of the demo, in UTC. */
export function demoBatchId(now: Date): string {
  return `demo-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

/**
 * `mwbatch dev --cluster`: the production-like stack of docker-compose.yml without Docker (dev/cluster.ts) plus a
 * simulator, for a person to try workers and batches against; everything stops (and the database is deleted) on
 * Ctrl-C.
 */
async function runCluster(port: number): Promise<void> {
  const { startCluster } = await import('../../dev/cluster.js');
  const { startSimulator } = await import('../../simulator/index.js');
  const cluster = await startCluster({ port });
  try {
    const sim = await startSimulator({ answerDelayMs: 1_000 });
    try {
      const temporal = `TEMPORAL_ADDRESS=${cluster.address}`;
      const moveworks =
        `MOVEWORKS_BASE_URL=${sim.baseUrl} MOVEWORKS_ASSISTANT_NAME=${sim.config.assistantName} ` +
        `MOVEWORKS_TOKEN=${sim.config.token}`;
      console.log(
        [
          `Temporal cluster on ${cluster.address} (namespace ${cluster.namespace}), ` +
            `PostgreSQL on ${cluster.postgres.host}:${cluster.postgres.port}`,
          `Moveworks simulator on ${sim.baseUrl}`,
          '',
          'In other terminals: one or more workers, then a batch:',
          `  ${temporal} ${moveworks} node bin/mwbatch.js worker`,
          `  ${temporal} node bin/mwbatch.js submit examples/questions.csv`,
          '',
          'Ctrl-C stops the cluster and deletes its database.',
        ].join('\n'),
      );
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    } finally {
      await sim.close();
    }
  } finally {
    await cluster.stop();
  }
}

/** MOVEWORKS_API for the simulated stack (`beta`, the default, or `v1`); a bad value is a usage error (exit 2). */
function simulatedApi(env: NodeJS.ProcessEnv): ApiFlavour {
  try {
    return apiFlavourFrom(env.MOVEWORKS_API);
  } catch (err) {
    if (err instanceof ApiFlavourError) throw new ConfigError(err.message);
    throw err;
  }
}
