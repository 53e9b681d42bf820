/**
 * Vitest config of the replay-history recorder (test/replay/record.recorder.ts): only the recorder, on the same
 * real Temporal dev server and workflow bundle as the normal suite. Run it from the checkout whose workflow code
 * the histories must capture: `npx vitest run --config test/replay/vitest.record.config.mts`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    include: ['test/replay/*.recorder.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Scenarios side by side would only compete for the two cores; each one is a few seconds.
    fileParallelism: false,
  },
});
