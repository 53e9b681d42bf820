/**
 * Free TCP ports for the servers this project starts on 127.0.0.1 (dev server, metrics, cluster, test servers). A
 * port found free here can still be taken before the server binds it (an outgoing connection may get it as its
 * local port): a caller that chose the port itself can pick another and try again (dev/dev-server.ts does).
 */
import { createServer } from 'node:net';

export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
