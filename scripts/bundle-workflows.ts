/**
 * `npm run build` step: bundle the workflow code once into dist/workflow-bundle.js, so a worker starts without
 * running webpack (seconds of CPU and a few hundred MB of memory at every start), and once more with the
 * OpenTelemetry workflow interceptors into dist/workflow-bundle-traced.js, the bundle of workers with tracing on
 * (OTEL_EXPORTER_OTLP_ENDPOINT). Two bundles, because the interceptors add a plain-JSON trace header to every
 * activity in the history, which a worker without tracing must not write (payload encryption covers no header).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter';
import { WORKFLOW_TRACING_MODULE } from '../observability/tracing';
import { workflowsPath } from '../worker/workers';

export const BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');
export const TRACED_BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle-traced.js');

async function bundle(path: string, workflowInterceptorModules: string[]): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    // Encrypting workers encode failure messages too; the converter also runs inside the workflow sandbox.
    failureConverterPath: failureConverterPath(),
    workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(path, code);
}

// One after the other: each webpack run takes a few hundred MB.
bundle(BUNDLE_PATH, [])
  .then(() => bundle(TRACED_BUNDLE_PATH, [WORKFLOW_TRACING_MODULE]))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
