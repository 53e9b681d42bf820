/**
 * A PostgreSQL-backed Temporal cluster on this machine, without Docker: what docker-compose.yml runs, natively.
 * - PostgreSQL 15 from Debian (`initdb`/`pg_ctl`) in a temporary folder, on a free port of 127.0.0.1;
 * - the Temporal server and its SQL tool, built from source with Go into the cache next to the CLI
 *   (`~/.cache/mwbatch/temporal-server-v1.29.1/{server,sql}`);
 * - the schema, the namespace and the BatchId search attribute by deploy/setup-temporal.sh (the script the compose
 *   file runs), the server's configuration from deploy/cluster/ and the dynamic config from deploy/dynamicconfig/.
 * Used by `mwbatch dev --cluster` / `make cluster`, the cluster tests (test/cluster/) and bench/cluster.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { cacheDir, ensureTemporalCli, findGo, isExecutable } from './temporal-cli';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
const GO_PACKAGES = ['cmd/server', 'cmd/tools/sql'].map((p) => `${SERVER_MODULE}/${p}@${TEMPORAL_SERVER_VERSION}`);
/** The sample credentials of docker-compose.yml; the instance listens on loopback only. */
const SQL_USER = 'temporal';
const SQL_PASSWORD = 'temporal';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

/** deploy/ of the repository, from the source (dev/, under vitest) or a compiled copy (dist/dev/, dist/bench/dev/). */
export function deployDir(): string {
  for (const up of ['..', '../..', '../../..']) {
    const dir = join(__dirname, up, 'deploy');
    if (existsSync(join(dir, 'setup-temporal.sh'))) return dir;
  }
  throw new ClusterError(`deploy/setup-temporal.sh not found above ${__dirname}`);
}

export interface TemporalServerBinaries {
  /** The `temporal-server` binary (`go install …/cmd/server` names it `server`). */
  server: string;
  /** `temporal-sql-tool` (named `sql`). */
  sqlTool: string;
  /** schema/postgresql/v12 of the same module, holding temporal/versioned and visibility/versioned. */
  schemaDir: string;
}

/** Where the binaries are cached: `<cache>/temporal-server-v1.29.1/`. */
export function cachedServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function goEnv(go: string, name: string, env: NodeJS.ProcessEnv): string {
  return spawnSync(go, ['env', name], { env, encoding: 'utf8' }).stdout.trim();
}

/**
 * The Temporal server, its SQL tool and the schema files, built with `go install` into the cache the first time
 * (several minutes; afterwards instant). The schema comes from Go's module cache, where the build left the module.
 */
export function ensureTemporalServer(
  env: NodeJS.ProcessEnv = process.env,
  log = console.error,
): TemporalServerBinaries {
  const dir = cachedServerDir(env);
  const server = join(dir, 'server');
  const sqlTool = join(dir, 'sql');
  const go = findGo(env);
  if (!go) {
    throw new ClusterError(
      `The Temporal server is built from source with Go (>= 1.24), which is not installed: ${GO_PACKAGES.join(' ')}`,
    );
  }
  const schemaDirOf = () =>
    join(goEnv(go, 'GOMODCACHE', env), `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!isExecutable(server) || !isExecutable(sqlTool) || !existsSync(schemaDirOf())) {
    mkdirSync(dir, { recursive: true });
    log(
      `Building the Temporal server ${TEMPORAL_SERVER_VERSION} with Go into ${dir} (first time only; takes minutes)...`,
    );
    const started = Date.now();
    const result = spawnSync(go, ['install', ...GO_PACKAGES], {
      env: { ...env, GOBIN: dir, GOFLAGS: env.GOFLAGS ?? '-trimpath' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0 || !isExecutable(server) || !isExecutable(sqlTool)) {
      throw new ClusterError(
        `go install ${GO_PACKAGES.join(' ')} failed (exit ${result.status ?? result.signal}); see the output above`,
      );
    }
    log(`Built ${server} and ${sqlTool} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return { server, sqlTool, schemaDir: schemaDirOf() };
}

/** initdb, pg_ctl and postgres: $MWBATCH_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian). */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MWBATCH_PG_BIN) return env.MWBATCH_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => isExecutable(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) {
    throw new ClusterError(
      'PostgreSQL is not installed: `apt-get install -y postgresql` (Debian; `make temporal-server` does it), ' +
        'or set MWBATCH_PG_BIN to the folder holding initdb and pg_ctl',
    );
  }
  return join(root, versions[0], 'bin');
}

interface RunResult {
  status: number | null;
  output: string;
}

export interface Postgres {
  host: string;
  port: number;
  /** The instance's folder (data, log, socket), deleted by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL on a free port of 127.0.0.1, in a temporary folder, with the superuser `temporal` (password
 * `temporal`, SCRAM). initdb refuses to run as root, so as root it runs as the `postgres` user (runuser).
 */
export async function startPostgres(env: NodeJS.ProcessEnv = process.env): Promise<Postgres> {
  const bin = findPostgresBin(env);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'mwbatch-postgres-'));
  const run = (command: string, args: string[]): RunResult => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}` };
  };
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new ClusterError('Running as root, and there is no `postgres` user to run initdb as');
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    const pw = run('sh', ['-c', `umask 077 && printf '%s\\n' "$0" > "$1"`, SQL_PASSWORD, passwordFile]);
    const init = run(join(bin, 'initdb'), [
      ...['-D', data, '-U', SQL_USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync'],
    ]);
    if (pw.status !== 0 || init.status !== 0) throw new ClusterError(`initdb failed:\n${pw.output}${init.output}`);
  } catch (err) {
    removeDir();
    throw err;
  }
  const host = '127.0.0.1';
  const port = await freePort(host);
  const options = `-p ${port} -c listen_addresses=${host} -c unix_socket_directories=${dir} -c max_connections=200`;
  const ctl = join(bin, 'pg_ctl');
  const start = run(ctl, ['-D', data, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']);
  if (start.status !== 0) {
    const logText = spawnSync('cat', [join(dir, 'postgres.log')], { encoding: 'utf8' }).stdout;
    removeDir();
    throw new ClusterError(`pg_ctl start failed:\n${start.output}\n${logText}`);
  }
  return {
    host,
    port,
    dir,
    async stop() {
      run(ctl, ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      removeDir();
    },
  };
}

/** The ports of one Temporal server: its four services' gRPC and membership ports, and the frontend's HTTP API. */
type ServerPorts = Record<
  | 'FRONTEND_GRPC_PORT'
  | 'FRONTEND_HTTP_PORT'
  | 'FRONTEND_MEMBERSHIP_PORT'
  | 'HISTORY_GRPC_PORT'
  | 'HISTORY_MEMBERSHIP_PORT'
  | 'MATCHING_GRPC_PORT'
  | 'MATCHING_MEMBERSHIP_PORT'
  | 'WORKER_GRPC_PORT'
  | 'WORKER_MEMBERSHIP_PORT',
  string
>;

function isFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false));
    probe.listen(port, ip, () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768: the server stores membership ports in a SMALLINT column, so the kernel's ephemeral
 * ports (32768 and up, what `freePort` gets) fail with "value out of range for type smallint".
 */
async function freeLowPort(ip: string, taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await isFree(ip, port))) return port;
  }
}

async function freeServerPorts(ip: string, frontendPort?: number): Promise<ServerPorts> {
  const frontend = frontendPort && (await isFree(ip, frontendPort)) ? frontendPort : await freePort(ip);
  const taken = new Set<number>([frontend]);
  const ports: Record<string, string> = { FRONTEND_GRPC_PORT: String(frontend) };
  for (const name of [
    'FRONTEND_HTTP_PORT',
    'FRONTEND_MEMBERSHIP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
  ]) {
    const port = await freeLowPort(ip, taken);
    taken.add(port);
    ports[name] = String(port);
  }
  return ports as ServerPorts;
}

export interface ClusterOptions {
  /** The frontend's gRPC port, when free; else (or when absent) a free one. */
  port?: number;
  namespace?: string;
  /** Progress lines (building, starting); default stderr. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface Cluster {
  /** The frontend, host:port. */
  address: string;
  namespace: string;
  postgres: Postgres;
  /** The Temporal server process running now (a new one after startServer()). */
  readonly process: ChildProcess;
  /** The dynamic config file the server reads (deploy/dynamicconfig/development-sql.yaml). */
  dynamicConfigFile: string;
  /** The last lines the server printed, across restarts (for failure messages). */
  output(): string;
  /** SIGKILL the Temporal server (PostgreSQL keeps running). */
  killServer(): Promise<void>;
  /** Start the Temporal server again on the same ports and database; resolves once the namespace answers. */
  startServer(): Promise<void>;
  /** The server, then PostgreSQL; deletes PostgreSQL's folder. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs deploy/setup-temporal.sh STEP; rejects with its output (and `abort`'s reason, when given) on failure. */
function runSetupScript(step: 'schema' | 'namespace', env: NodeJS.ProcessEnv, abort?: Promise<string>) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('sh', [join(deployDir(), 'setup-temporal.sh'), step], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    void abort?.then((reason) => {
      child.kill('SIGKILL');
      reject(new ClusterError(`${reason}\nsetup-temporal.sh ${step}:\n${output}`));
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new ClusterError(`setup-temporal.sh ${step} failed (${code}):\n${output}`)),
    );
  });
}

/** PostgreSQL, the schema, the Temporal server and the namespace with BatchId; resolves once workers can poll. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const namespace = options.namespace ?? 'default';
  const binaries = ensureTemporalServer(env, log);
  const cli = ensureTemporalCli(env, log);
  const dynamicConfigFile = join(deployDir(), 'dynamicconfig', 'development-sql.yaml');
  const ip = '127.0.0.1';
  const ports = await freeServerPorts(ip, options.port);
  const address = `${ip}:${ports.FRONTEND_GRPC_PORT}`;
  // Nothing between here and the `try` below may throw: PostgreSQL runs detached and must be stopped on failure.
  const postgres = await startPostgres(env);
  const setupEnv: NodeJS.ProcessEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    TEMPORAL_SQL_TOOL: binaries.sqlTool,
    TEMPORAL_CLI: cli,
    TEMPORAL_SCHEMA_DIR: binaries.schemaDir,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER,
    SQL_PASSWORD,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    SETUP_ATTEMPTS: '120',
    SETUP_DELAY_SECONDS: '0.5',
  };
  const serverEnv: NodeJS.ProcessEnv = {
    PATH: env.PATH,
    HOME: env.HOME,
    ...ports,
    BIND_IP: ip,
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER,
    SQL_PASSWORD,
    DYNAMIC_CONFIG_FILE: dynamicConfigFile,
    LOG_LEVEL: env.MWBATCH_CLUSTER_LOG_LEVEL ?? 'warn',
  };

  // The server reads <config dir>/<env>.yaml and renders it as a template (deploy/cluster/temporal-postgres.yaml.tmpl).
  const configDir = join(postgres.dir, 'temporal-config');
  let output = '';
  let child: ChildProcess | undefined;
  const spawnServer = async () => {
    const started = spawn(
      binaries.server,
      ['--root', configDir, '--config', '.', '--env', 'temporal-postgres', '--allow-no-auth', 'start'],
      { cwd: configDir, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    // The namespace step waits for the frontend, then creates what is missing (nothing after a restart).
    const died = exited(started).then(
      () => `the Temporal server exited (${started.exitCode ?? started.signalCode}):\n${output}`,
    );
    await runSetupScript('namespace', setupEnv, died);
  };
  const killServer = async () => {
    if (!child) return;
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
  };

  try {
    mkdirSync(configDir);
    copyFileSync(
      join(deployDir(), 'cluster', 'temporal-postgres.yaml.tmpl'),
      join(configDir, 'temporal-postgres.yaml'),
    );
    log(`PostgreSQL on ${postgres.host}:${postgres.port}; creating the Temporal schema...`);
    await runSetupScript('schema', setupEnv);
    log(`starting the Temporal server ${TEMPORAL_SERVER_VERSION} on ${address}...`);
    await spawnServer();
  } catch (err) {
    await killServer();
    await postgres.stop();
    throw err;
  }
  return {
    address,
    namespace,
    postgres,
    get process() {
      return child!;
    },
    dynamicConfigFile,
    output: () => output,
    killServer,
    startServer: spawnServer,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        const gone = exited(child);
        child.kill('SIGTERM');
        const forced = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(forced);
      }
      await postgres.stop();
    },
  };
}
