/**
 * `npm run build` step: bundle the workflow code once into dist/workflow-bundle.js, so a worker starts without
 * running webpack (seconds of CPU and a few hundred MB of memory at every start).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter';
import { workflowsPath } from '../worker/workers';

export const BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');

bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  // Encrypting workers encode failure messages too; the converter also runs inside the workflow sandbox.
  failureConverterPath: failureConverterPath(),
  logger: new DefaultLogger('WARN'),
})
  .then(({ code }) => writeFileSync(BUNDLE_PATH, code))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
