// The cluster suite (make test-cluster): test/cluster/ against a PostgreSQL-backed Temporal server built from source
// (dev/cluster.ts), not the dev server. Kept out of the default `npx vitest run` (see vitest.config.mts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    // test/global-setup.ts compiles dist/ and bundles the workflows (and starts the usual dev server, which these
    // tests do not use); test/cluster/global-setup.ts then starts the cluster and points `temporalAddress` at it.
    globalSetup: ['test/global-setup.ts', 'test/cluster/global-setup.ts'],
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 300_000,
    // Building the Temporal server the first time takes minutes (make test-cluster builds it before).
    hookTimeout: 900_000,
    // One file at a time: each case runs a 200-row batch with two workers against the cluster (the restart case on a
    // second cluster of its own); side by side on a loaded 2-core machine, conversations ran past their 150 s deadline.
    fileParallelism: false,
  },
});
