/**
 * The record of a batch's settings that must never change once the batch has started: how many single-turn
 * questions each of its workflows asks (`submit --per-workflow N`). Its input is the record; the workflow ID
 * `<batch>~settings` makes the first submission's choice the batch's for good, even when two submissions race
 * (batch/groups.ts). It has nothing to do but end. Workflow code: deterministic, no I/O.
 */
import type { BatchSettings } from '../common/types';

export async function batchSettingsWorkflow(settings: BatchSettings): Promise<void> {
  void settings;
}
