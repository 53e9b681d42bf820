// The codec server as a command: `mwbatch codec-server [--port 8888] [--host 127.0.0.1] [--cors-origin <origin>]`.
// Beyond loopback it needs MWBATCH_CODEC_AUTH_TOKEN; `--cors-origin '*'` only without one (codec-server.ts).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadCodecAuthToken, loadEncryptionKeys } from './data-converter';
import { ConfigError } from '../common/errors';
import {
  DEFAULT_CODEC_HOST,
  DEFAULT_CODEC_PORT,
  DEFAULT_CORS_ORIGINS,
  startCodecServer,
  type CodecServer,
} from './codec-server';

export interface CodecCliIo {
  /** Where the "listening" lines go; defaults to stdout. */
  print?: (line: string) => void;
  /** Close on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  env?: NodeJS.ProcessEnv;
}

function port(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port)');
  return n;
}

function buildProgram(): Command {
  return (
    new Command('codec-server')
      .description('decrypt payloads for the Temporal Web UI and CLI (keys from MWBATCH_ENCRYPTION_KEY[_FILE])')
      .option('--port <n>', 'port to listen on (0 = any free port)', port, DEFAULT_CODEC_PORT)
      .option(
        '--host <host>',
        'interface to bind; beyond loopback, MWBATCH_CODEC_AUTH_TOKEN is required',
        DEFAULT_CODEC_HOST,
      )
      .option(
        '--cors-origin <origin>',
        `browser origin allowed to call it, repeatable; * = any, without a token only (default: ${DEFAULT_CORS_ORIGINS.join(', ')})`,
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .exitOverride()
      // Usage errors come back as a ConfigError (exit 2) carrying the message, so commander must not print it too.
      .configureOutput({ outputError: () => undefined })
  );
}

/**
 * Parses `argv` (the arguments after the command name), starts the codec server and prints where it listens.
 * Resolves to undefined when only help was asked for; throws ConfigError (exit 2) on bad usage or missing keys.
 */
export async function runCodecServerCli(argv: string[], io: CodecCliIo = {}): Promise<CodecServer | undefined> {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return undefined;
    throw new ConfigError(`codec-server: ${err instanceof Error ? err.message : String(err)}`);
  }
  const opts = program.opts<{ port: number; host: string; corsOrigin?: string[] }>();
  const env = io.env ?? process.env;
  const keys = loadEncryptionKeys(env);
  if (!keys) {
    throw new ConfigError(
      'codec-server needs the encryption keys the workers use: set MWBATCH_ENCRYPTION_KEY or MWBATCH_ENCRYPTION_KEY_FILE',
    );
  }
  let server: CodecServer;
  try {
    server = await startCodecServer({
      keys,
      port: opts.port,
      host: opts.host,
      corsOrigins: opts.corsOrigin,
      authToken: loadCodecAuthToken(env),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`codec-server: cannot listen on ${opts.host}:${opts.port} (${code})`);
  }
  const print = io.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  print(
    `Codec server on ${server.url} (point the Web UI at it: temporal server start-dev --ui-codec-endpoint ${server.url})`,
  );
  print(
    `Keys: ${[...keys.keys.keys()].join(', ')} (active ${keys.activeKeyId}); CLI: temporal workflow show --codec-endpoint ${server.url}`,
  );
  if (io.handleSignals !== false) {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return server;
}
