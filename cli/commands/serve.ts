/** `mwbatch serve`: the HTTP gateway (gateway/) over the library, until SIGINT or SIGTERM. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError } from '../../common/errors';
import { safeForTerminal } from '../../common/terminal';
import { createGateway } from '../../gateway/server';
import { gatewayLogger, loadServeToken } from '../../gateway/settings';
import { MwbatchClient } from '../../library/client';
import { withClient } from './common';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port, 0-65535');
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the HTTP gateway: POST /v1/questions with an Idempotency-Key asks once, GET/DELETE /v1/questions/KEY ' +
        '(bearer token MWBATCH_SERVE_TOKEN; the contract at /openapi.json)',
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <port>', 'port to bind (0: any free port)').argParser(port).default(8080))
    .option('--insecure-local', 'serve without a token: only on a loopback address')
    .action(async (opts: { host: string; port: number; insecureLocal?: boolean }) => {
      const token = loadServeToken(process.env, { host: opts.host, insecureLocal: opts.insecureLocal === true });
      // The same Temporal settings as every command (profile, TEMPORAL_*, --address / --namespace).
      await withClient(async (temporal, settings) => {
        // JSON lines in a container, text on a terminal (MWBATCH_LOG_FORMAT, MWBATCH_LOG_LEVEL: README "Logs").
        const logger = gatewayLogger(process.env);
        const log = (line: string) => logger.info(safeForTerminal(line));
        const gateway = createGateway({ client: new MwbatchClient(temporal, settings.taskQueue), token, logger });
        const { address, port: bound } = await gateway
          .listen(opts.port, opts.host)
          .catch((err: NodeJS.ErrnoException) => {
            throw new ConfigError(`cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`);
          });
        const host = address.includes(':') ? `[${address}]` : address;
        log(
          `mwbatch gateway listening on http://${host}:${bound} (namespace ${settings.namespace}, task queue ` +
            `${settings.taskQueue}${token === undefined ? ', no token: --insecure-local' : ''})`,
        );
        const signal = await new Promise<string>((resolve) => {
          for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => resolve(name));
        });
        log(`${signal}: closing (asks in progress go on in Temporal)`);
        await gateway.close();
      });
    });
}
