import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One real Temporal dev server for the whole run (test/global-setup.ts); the SDK's native bridge wants forks.
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    // The PostgreSQL-backed cluster suite has its own config and server: vitest.cluster.config.mts (make test-cluster).
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
