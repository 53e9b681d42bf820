/**
 * Starts the PostgreSQL-backed Temporal cluster (dev/cluster.ts) once for the cluster suite and points the tests'
 * `temporalAddress` at it. Runs after test/global-setup.ts (vitest.cluster.config.mts), whose value it replaces.
 */
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startCluster, type Cluster } from '../../dev/cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's frontend; the same as `temporalAddress` in this suite. */
    clusterAddress: string;
  }
}

let cluster: Cluster | undefined;

export async function setup(project: TestProject) {
  cluster = await startCluster({ log: (line) => console.log(`[cluster] ${line}`) });
  project.provide('temporalAddress', cluster.address);
  project.provide('clusterAddress', cluster.address);
}

export async function teardown() {
  await cluster?.stop();
}
