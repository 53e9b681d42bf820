/**
 * Replays every recorded workflow history (test/replay/histories/*.json: conversations, evaluation runs and their
 * cases) against the current workflow bundle. A failure means the current code would issue different commands than the code that wrote the history:
 * a workflow running through a deploy would fail its next task with a non-determinism error. See
 * test/replay/README.md for the rule (patched()) and for recording new histories.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJson } from './history-json';

// Keep test output readable: the SDK logs every worker state change at INFO.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const HISTORIES_DIR = join(__dirname, 'histories');
const historyFiles = readdirSync(HISTORIES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

describe('recorded workflow histories replay on the current code', () => {
  it('has histories to replay', () => {
    expect(historyFiles.length).toBeGreaterThan(0);
  });

  it.each(historyFiles.map((file) => basename(file, '.json')))('%s', async (scenario) => {
    const history = historyFromJson(readFileSync(join(HISTORIES_DIR, `${scenario}.json`), 'utf8'));
    const options = { workflowBundle: { codePath: inject('workflowBundlePath') } };
    // Rejects with DeterminismViolationError, or ReplayError for any other workflow-task failure.
    await expect(Worker.runReplayHistory(options, history, scenario)).resolves.toBeUndefined();
  });
});
