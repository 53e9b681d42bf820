/** Batch IDs end up in workflow IDs and visibility queries, so they are restricted to a safe alphabet. */
import { ConfigError } from '../common/errors';
import { ASK_BATCH_ID } from '../common/names';

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function checkBatchId(batchId: string): string {
  if (!BATCH_ID.test(batchId)) {
    throw new ConfigError(
      `batch ID "${batchId}": use 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
    );
  }
  return batchId;
}

/** A batch `submit` may start: not the one every `ask` belongs to, whose workflows its own would collide with. */
export function checkSubmitBatchId(batchId: string): string {
  checkBatchId(batchId);
  if (batchId === ASK_BATCH_ID) throw new ConfigError(`batch ID "${ASK_BATCH_ID}" is reserved for \`mwbatch ask\``);
  return batchId;
}

/** The visibility query that finds every workflow of a batch (Web UI, `temporal workflow list`, this CLI). */
export function batchQuery(batchId: string): string {
  return `BatchId="${checkBatchId(batchId)}"`;
}
