/**
 * Starts one real Temporal dev server (the pinned CLI, built with Go if needed) and bundles the workflows once,
 * for every test file of the run. Nothing here is mocked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startDevServer, type DevServer } from '../dev/dev-server';
import { ensureTemporalCli } from '../dev/temporal-cli';
import { failureConverterPath } from '../codec/data-converter';
import { workflowsPath } from '../worker/workers';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;
let workDir: string | undefined;

/** The CLI tests run the compiled program as a user does, so compile it first. */
function buildDist() {
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
}

export async function setup(project: TestProject) {
  const cli = ensureTemporalCli();
  buildDist();
  workDir = mkdtempSync(join(tmpdir(), 'mwbatch-test-'));
  const [started, bundle] = await Promise.all([
    startDevServer({ cliPath: cli, uiPort: false }),
    bundleWorkflowCode({
      workflowsPath: workflowsPath(),
      // Encrypting workers encode failure messages too; the converter also runs inside the workflow sandbox.
      failureConverterPath: failureConverterPath(),
      logger: new DefaultLogger('WARN'),
    }),
  ]);
  server = started;
  const bundlePath = join(workDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalCli', cli);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown() {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}
