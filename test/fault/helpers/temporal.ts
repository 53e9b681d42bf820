/** Reading a finished batch back from Temporal: which worker processes ran its HTTP activities, in how many tries. */
import { Client, Connection } from '@temporalio/client';
import { readJournal } from '../../helpers/batch';

export interface ActivityRuns {
  /** Worker identity (`pid@host`) → activities whose last attempt it ran. */
  perWorker: Map<string, number>;
  /** Activities that needed more than one attempt (e.g. abandoned by a killed worker, then retried). */
  retried: number;
}

/** From the histories of the batch's workflows (their IDs are in results.jsonl). */
export async function activityRuns(address: string, outDir: string): Promise<ActivityRuns> {
  const workflowIds = new Set(readJournal(outDir).map((r) => (r as { workflowId?: string }).workflowId));
  const connection = await Connection.connect({ address });
  const runs: ActivityRuns = { perWorker: new Map(), retried: 0 };
  try {
    const client = new Client({ connection, namespace: 'default' });
    for (const id of workflowIds) {
      if (!id) continue;
      const history = await client.workflow.getHandle(id).fetchHistory();
      for (const event of history.events ?? []) {
        const started = event.activityTaskStartedEventAttributes;
        if (!started?.identity) continue;
        runs.perWorker.set(started.identity, (runs.perWorker.get(started.identity) ?? 0) + 1);
        if ((started.attempt ?? 1) > 1) runs.retried += 1;
      }
    }
  } finally {
    await connection.close();
  }
  return runs;
}
