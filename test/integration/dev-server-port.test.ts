/**
 * The dev server on a port of our choosing: a port found free can be taken before the server binds it (an outgoing
 * connection may get it as its local port). `mwbatch dev`, the test setup and the benchmarks then used to stop with
 * "address already in use"; now the server starts on another free port. A port the caller gave is kept.
 */
import { createServer, type Server } from 'node:net';
import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { startDevServer, type DevServer } from '../../dev/dev-server';
import { freePort } from '../../dev/ports';

vi.mock('../../dev/ports', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../dev/ports')>();
  return { freePort: vi.fn(real.freePort) };
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port held by another listener for the rest of the test. */
async function takenPort(): Promise<number> {
  // It only holds the port: a connection to it (the readiness probe's) is closed at once.
  const holder: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => holder.close(() => resolve())));
  return (holder.address() as { port: number }).port;
}

async function started(server: DevServer): Promise<DevServer> {
  cleanups.push(server.stop);
  return server;
}

describe('dev server port', () => {
  it('starts on another free port when the one it picked is taken before the server binds it', async () => {
    const taken = await takenPort();
    vi.mocked(freePort).mockResolvedValueOnce(taken); // the race, made certain: picked free, taken at bind time
    const server = await started(await startDevServer({ cliPath: inject('temporalCli'), uiPort: false }));

    expect(server.address).not.toBe(`127.0.0.1:${taken}`);
    const connection = await Connection.connect({ address: server.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
  });

  it('keeps a port the caller gave, and says that it is taken', async () => {
    const taken = await takenPort();
    await expect(startDevServer({ cliPath: inject('temporalCli'), port: taken, uiPort: false })).rejects.toThrow(
      /address already in use/,
    );
  });
});
