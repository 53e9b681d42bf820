/**
 * Where `mwbatch` finds Temporal, as a user with an existing `temporal` setup sees it: a profile written by the
 * Temporal CLI's own `temporal config set` (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE), the TEMPORAL_* variables over
 * it, --address / --namespace over both, an IPv6 address in brackets; the worker reads the same settings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import { tempDir } from '../helpers/batch';
import { MWBATCH_BIN, REPO_ROOT, runCli } from '../helpers/cli';
import { useSimulator } from '../helpers/simulator';
import { waitFor } from '../helpers/wait';

const address = inject('temporalAddress');
const unreachable = '127.0.0.1:1';
const batchId = `e2e-connection-${randomUUID()}`;
const configFile = join(tempDir(), 'temporal.toml');

/** `temporal config set --profile PROFILE --prop PROP --value VALUE` into the test's config file. */
function temporalConfigSet(profile: string, prop: string, value: string): void {
  const run = spawnSync(
    inject('temporalCli'),
    ['config', 'set', '--profile', profile, '--prop', prop, '--value', value],
    { env: { ...process.env, TEMPORAL_CONFIG_FILE: configFile }, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`temporal config set failed: ${run.stderr}`);
}

let connection: Connection;
let client: Client;
let ipv6Proxy: Server;

beforeAll(async () => {
  temporalConfigSet('e2e', 'address', address);
  temporalConfigSet('e2e', 'namespace', 'default');
  temporalConfigSet('elsewhere', 'address', unreachable);
  // One conversation of the batch, on a task queue no worker polls: it stays Running for `status` to count.
  connection = await Connection.connect({ address });
  client = new Client({ connection });
  await client.workflow.start(CONVERSATION_WORKFLOW_TYPE, {
    taskQueue: `unpolled-${randomUUID()}`,
    workflowId: `${batchId}/c1`,
    args: [{ batchId, conversationKey: 'c1', turns: [{ rowId: '1', question: 'hello?' }] }],
    typedSearchAttributes: [{ key: BATCH_ID, value: batchId }],
  });
  await waitFor('the batch in visibility', async () => (await client.workflow.count(`BatchId="${batchId}"`)).count);
  // The dev server listens on IPv4 only: an IPv6 loopback port that forwards to it.
  ipv6Proxy = createServer((socket) => {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
    const upstream = createConnection({ host, port });
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => ipv6Proxy.listen(0, '::1', resolve));
});

afterAll(async () => {
  await client?.workflow.getHandle(`${batchId}/c1`).terminate('test over');
  await connection?.close();
  await new Promise((resolve) => ipv6Proxy?.close(resolve));
});

/** `mwbatch status` of the test's batch: exit 0 and its one running conversation when it reached the server. */
async function expectStatus(args: string[], env: NodeJS.ProcessEnv) {
  const run = await runCli(['status', batchId, ...args], env);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain(batchId);
  expect(run.stdout).toMatch(/running/i);
}

describe('mwbatch and the Temporal connection settings', () => {
  it('uses the profile TEMPORAL_PROFILE names in a file written by `temporal config set`', async () => {
    await expectStatus([], { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'e2e' });
    // TEMPORAL_ADDRESS over the profile: the unreachable address wins, exit 3 naming it.
    const overridden = await runCli(['status', batchId], {
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'e2e',
      TEMPORAL_ADDRESS: unreachable,
    });
    expect(overridden.code).toBe(3);
    expect(overridden.stderr).toContain(unreachable);
  });

  it('lets --address and --namespace override the variables and the profile, before or after the command', async () => {
    const env = {
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'elsewhere',
      TEMPORAL_ADDRESS: unreachable,
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    };
    await expectStatus(['--address', address, '--namespace', 'default'], env);
    const before = await runCli(['--address', address, '--namespace', 'default', 'status', batchId], env);
    expect(before.code, before.stderr).toBe(0);
  });

  it('connects to TEMPORAL_ADDRESS=[::1]:port', async () => {
    const { port } = ipv6Proxy.address() as { port: number };
    await expectStatus([], { TEMPORAL_ADDRESS: `[::1]:${port}` });
  });

  it('refuses an address without a port with exit 2, naming the flag', async () => {
    const run = await runCli(['status', batchId, '--address', 'localhost'], { TEMPORAL_ADDRESS: address });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--address: must be host:port/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mwbatch worker and the Temporal connection settings', () => {
  const sim = useSimulator();
  const workerEnv = () => ({
    TEMPORAL_CONFIG_FILE: configFile,
    TEMPORAL_PROFILE: 'e2e',
    TEMPORAL_TASK_QUEUE: `connection-${randomUUID()}`,
    MOVEWORKS_BASE_URL: sim.baseUrl,
    MOVEWORKS_ASSISTANT_NAME: sim.config.assistantName,
    MOVEWORKS_TOKEN: sim.config.token,
    MWBATCH_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  });

  it('polls the server of the TEMPORAL_PROFILE profile', async () => {
    const worker = spawn(process.execPath, [MWBATCH_BIN, 'worker'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...workerEnv() },
    });
    let log = '';
    worker.stderr.on('data', (d) => (log += d));
    worker.stdout.on('data', (d) => (log += d));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      await waitFor('the worker to start polling', () => log.includes('mwbatch worker polling'), 60_000);
      expect(log).toContain(`on ${address} (namespace default)`);
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  });

  it('takes --address over the profile', async () => {
    const run = await runCli(['worker', '--address', unreachable], workerEnv());
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(unreachable);
  });
});
