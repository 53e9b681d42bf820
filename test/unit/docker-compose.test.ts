/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: what a user would notice breaks on
 * `docker compose up --build` (a missing file, a wrong address, a worker that cannot start, scale or report its
 * health, a Web UI that cannot decrypt, a Prometheus that scrapes nothing). The worker configuration the compose
 * file produces is run through the worker's own loader, the simulator is started with the compose command's flags,
 * the codec server with the command the compose file gives for the Web UI, and the worker's health check is run
 * against the worker's health server. (test/unit/docker-image.test.ts checks the image's install and bundle.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { randomBytes } from 'node:crypto';
import { DEFAULT_CODEC_PORT } from '../../codec/codec-server';
import { runCodecServerCli } from '../../codec/main';
import { BATCH_ID } from '../../common/names';
import { isLoopbackHost } from '../../config/loopback';
import { DEV_SERVER_SETTINGS } from '../../dev/dev-server';
import { createMoveworksClient, DEFAULT_MOVEWORKS_BASE_URL } from '../../config/moveworks';
import { ClientCredentialsAuth, StaticTokenAuth } from '../../moveworks';
import { defaultSimulatorConfig } from '../../simulator/config';
import { runSimulatorCli } from '../../simulator/main';
import { createObservabilityServer } from '../../observability/server';
import { loadWorkerSettings } from '../../worker/config';
import { runNode } from '../helpers/cli';

const root = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------------------------

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | { target: number; published?: string | number }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  container_name?: string;
  restart?: string;
  stop_grace_period?: string;
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; [key: string]: unknown };
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** Compose's interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default} (unset vs unset-or-empty). */
function interpolate(text: string, vars: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (match, name, colon, dflt, bare) => {
      if (match === '$$') return '$';
      const value = vars[name ?? bare];
      if (dflt === undefined) return value ?? '';
      return value === undefined || (colon === ':' && value === '') ? dflt : value;
    },
  );
}

/** The `$` sequences Compose would reject or misread, in every string of the file. */
function badInterpolations(node: unknown): string[] {
  if (typeof node === 'string') {
    const rest = node.replace(/\$\$|\$\{[A-Za-z_]\w*(?::?[-?+][^}]*)?\}|\$[A-Za-z_]\w*/g, '');
    return rest.includes('$') ? [node] : [];
  }
  if (Array.isArray(node)) return node.flatMap(badInterpolations);
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => badInterpolations([k, v]));
  return [];
}

function environment(svc: Service, vars: Env = {}): Env {
  const entries = Array.isArray(svc.environment)
    ? svc.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(svc.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)] as [string, string]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, vars)]));
}

const dependsOn = (svc: Service): Record<string, string> =>
  Array.isArray(svc.depends_on)
    ? Object.fromEntries(svc.depends_on.map((name) => [name, 'service_started']))
    : Object.fromEntries(
        Object.entries(svc.depends_on ?? {}).map(([n, d]) => [n, d.condition ?? 'service_started'] as const),
      );

const words = (value: string | string[] | undefined): string[] =>
  Array.isArray(value) ? value : (value?.split(/\s+/).filter(Boolean) ?? []);

const containerPorts = (svc: Service): number[] =>
  (svc.ports ?? []).map((p) => (typeof p === 'object' ? p.target : Number(String(p).split(':').pop()!.split('/')[0])));

/** Bind mounts as [host path relative to the repo, container path]; named volumes as [name, container path]. */
function mounts(svc: Service): Array<{ source: string; target: string; bind: boolean }> {
  return (svc.volumes ?? []).map((v) => {
    const [source = '', target = ''] = typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target];
    return { source, target, bind: /^[./~]/.test(source) };
  });
}

function flag(args: string[], name: string): string {
  const at = args.indexOf(name);
  if (at < 0 || at + 1 >= args.length) throw new Error(`${name} is missing from ${args.join(' ')}`);
  return args[at + 1]!;
}

const durationMs = (text: string): number =>
  [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'],
    0,
  );

const simulatorArgs = words(service('simulator').command);
const simulatorPort = Number(flag(simulatorArgs, '--port'));
const temporalPort = 7233;

describe('docker-compose.yml', () => {
  it('is a Compose-spec file with the services of the stack', () => {
    expect(compose).not.toHaveProperty('version');
    expect(Object.keys(services).sort()).toEqual(
      [
        'postgresql',
        'temporal-schema',
        'temporal',
        'temporal-namespace',
        'temporal-ui',
        'simulator',
        'worker',
        'prometheus',
      ].sort(),
    );
  });

  it('runs the official Temporal and PostgreSQL images at pinned versions of one Temporal release', () => {
    // temporalio/auto-setup is deprecated upstream: the server image, and admin-tools one-shots that set it up.
    const official = {
      postgresql: 'postgres',
      'temporal-schema': 'temporalio/admin-tools',
      temporal: 'temporalio/server',
      'temporal-namespace': 'temporalio/admin-tools',
      'temporal-ui': 'temporalio/ui',
    };
    const tags: Record<string, string> = {};
    for (const [name, repository] of Object.entries(official)) {
      const [image = '', tag = ''] = (service(name).image ?? '').split(':');
      expect(image, name).toBe(repository);
      expect(tag, `${name} is pinned`).toMatch(/^\d+(\.\d+)*(-[\w.-]+)?$/);
      tags[name] = tag;
    }
    expect(tags.temporal).toMatch(/^1\.29\.\d+$/);
    for (const oneShot of ['temporal-schema', 'temporal-namespace']) {
      expect(tags[oneShot]).toMatch(new RegExp(`^${tags.temporal!.replace(/\./g, '\\.')}(-|$)`));
    }
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    for (const name of ['simulator', 'worker']) expect(service(name).build, `${name} is built here`).toBeDefined();
  });

  it('only depends on services that exist, through health checks and one-shots that exist', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(dependsOn(svc))) {
        const target = service(dependency);
        if (condition === 'service_healthy') expect(target.healthcheck?.test, `${dependency} health`).toBeDefined();
        else if (condition === 'service_completed_successfully') expect(target.restart ?? 'no').toBe('no');
        else expect(condition, `${name} → ${dependency}`).toBe('service_started');
      }
    }
    expect(dependsOn(service('worker'))).toMatchObject({
      temporal: 'service_healthy',
      'temporal-namespace': 'service_completed_successfully',
      simulator: 'service_healthy',
    });
    // The server starts on a set-up schema; the namespace is created once the server answers.
    expect(dependsOn(service('temporal'))).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependsOn(service('temporal-namespace'))).toMatchObject({ temporal: 'service_healthy' });
  });

  it('lets workers scale, restart, and finish in-flight activities on stop', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.restart).toBe('unless-stopped');
    expect(words(worker.command ?? ['worker'])).toEqual(['worker']);
    const activityTimeouts = [...read('workflows/conversation.ts').matchAll(/startToCloseTimeout: '(\w+)'/g)];
    const longest = Math.max(30_000, ...activityTimeouts.map(([, d]) => durationMs(d!)));
    expect(durationMs(worker.stop_grace_period ?? '10s')).toBeGreaterThan(longest);
  });

  it('forwards every variable of the worker configuration, so .env overrides reach the workers', () => {
    const sources = ['config/temporal.ts', 'config/moveworks.ts', 'worker/config.ts', 'observability/settings.ts']
      .map(read)
      .join('\n');
    const names = new Set(sources.match(/\b(?:TEMPORAL|MOVEWORKS|MWBATCH)_[A-Z0-9_]+\b/g));
    expect([...names]).toEqual(
      expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'MWBATCH_RPS']),
    );
    expect([...names]).toEqual(
      expect.arrayContaining(['MOVEWORKS_BASE_URL', 'MOVEWORKS_ASSISTANT_NAME', 'MOVEWORKS_TOKEN']),
    );
    expect(Object.keys(environment(service('worker'))).sort()).toEqual(
      expect.arrayContaining([...names, 'MWBATCH_ENCRYPTION_KEY', 'MWBATCH_ENCRYPTION_KEY_FILE'].sort()),
    );
  });

  it('gives the workers a valid configuration aimed at the temporal and simulator services by default', async () => {
    const settings = loadWorkerSettings(environment(service('worker')));
    expect(settings.temporal.address).toBe(`temporal:${temporalPort}`);
    expect(containerPorts(service('temporal'))).toContain(temporalPort);
    expect(environment(service('temporal-namespace')).TEMPORAL_NAMESPACE).toBe(settings.temporal.namespace);
    expect(environment(service('temporal-ui')).TEMPORAL_DEFAULT_NAMESPACE).toBe(settings.temporal.namespace);
    const baseUrl = new URL(settings.moveworks.baseUrl);
    expect(baseUrl.host).toBe(`simulator:${simulatorPort}`);
    expect(baseUrl.pathname).toBe(new URL(DEFAULT_MOVEWORKS_BASE_URL).pathname);
    expect(settings.moveworks.assistantName).toBe(defaultSimulatorConfig.assistantName);
    expect(settings.moveworks.auth).toBeInstanceOf(StaticTokenAuth);
    expect(await settings.moveworks.auth.getToken()).toBe(defaultSimulatorConfig.token);
    expect(settings.rps).toBeUndefined();
  });

  it('lets a .env switch the workers to real Moveworks client credentials and Temporal Cloud', () => {
    const dotEnv = {
      MOVEWORKS_BASE_URL: DEFAULT_MOVEWORKS_BASE_URL,
      MOVEWORKS_ASSISTANT_NAME: 'acme-capi',
      MOVEWORKS_TOKEN: '',
      MOVEWORKS_CLIENT_ID: 'client-id',
      MOVEWORKS_CLIENT_SECRET: 'client-secret',
      TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'acme.a1b2c',
      TEMPORAL_API_KEY: 'api-key',
      MWBATCH_RPS: '20',
    };
    const settings = loadWorkerSettings(environment(service('worker'), dotEnv));
    expect(settings.moveworks.auth).toBeInstanceOf(ClientCredentialsAuth);
    expect(settings.moveworks.baseUrl).toBe(DEFAULT_MOVEWORKS_BASE_URL);
    expect(settings.temporal.connection).toMatchObject({ address: dotEnv.TEMPORAL_ADDRESS, apiKey: 'api-key' });
    expect(settings.rps).toBe(20);
    // Plain http:// to a host other than the simulator is refused (the token would cross the network in clear).
    const plain = { ...dotEnv, MOVEWORKS_BASE_URL: 'http://moveworks.internal/rest/v1beta1' };
    expect(() => loadWorkerSettings(environment(service('worker'), plain))).toThrow(/MWBATCH_ALLOW_INSECURE_HTTP/);
  });

  it('starts the simulator with the flags of its command, and the default credentials work against it', async () => {
    expect(simulatorArgs[0]).toBe('simulator');
    expect(flag(simulatorArgs, '--host')).toBe('0.0.0.0');
    const healthcheck = words(service('simulator').healthcheck?.test).join(' ');
    expect(healthcheck).toContain(`http://127.0.0.1:${simulatorPort}/_sim/health`);
    const local = simulatorArgs.slice(1).map((arg, i, all) => (all[i - 1] === '--port' ? '0' : arg));
    const sim = await runSimulatorCli(
      local.map((arg, i) => (local[i - 1] === '--host' ? '127.0.0.1' : arg)),
      { print: () => {}, handleSignals: false },
    );
    try {
      expect((await fetch(`${sim.origin}/_sim/health`)).status).toBe(200);
      const env = { ...environment(service('worker')), MOVEWORKS_BASE_URL: sim.baseUrl };
      const client = createMoveworksClient(loadWorkerSettings(env).moveworks);
      expect((await client.createConversation({ title: 'compose defaults' })).conversation_id).toBeTruthy();
    } finally {
      await sim.close();
    }
  });

  it('gives Temporal its PostgreSQL credentials and its dynamic config file', () => {
    for (const vars of [{}, { POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p' }] as Env[]) {
      const db = environment(service('postgresql'), vars);
      const temporal = environment(service('temporal'), vars);
      expect(temporal).toMatchObject({
        DB: 'postgres12',
        POSTGRES_USER: db.POSTGRES_USER,
        POSTGRES_PWD: db.POSTGRES_PASSWORD,
      });
      expect(services).toHaveProperty([temporal.POSTGRES_SEEDS!]);
    }
    const path = posix.resolve('/etc/temporal', environment(service('temporal')).DYNAMIC_CONFIG_FILE_PATH!);
    const mount = mounts(service('temporal')).find((m) => m.bind && path.startsWith(`${m.target}/`));
    expect(mount, `a bind mount holds ${path}`).toBeDefined();
    const dynamicConfig = parse(read(join(mount!.source, posix.relative(mount!.target, path)))) as object;
    for (const [key, values] of Object.entries(dynamicConfig)) {
      expect(values, key).toEqual(expect.arrayContaining([expect.objectContaining({ value: expect.anything() })]));
    }
    // One partition, as on the dev server: MWBATCH_RPS is then a single token bucket; and eager activity dispatch.
    expect(dynamicConfig).toMatchObject({
      'matching.numTaskqueueReadPartitions': [{ value: 1 }],
      'matching.numTaskqueueWritePartitions': [{ value: 1 }],
      'system.enableActivityEagerExecution': [{ value: true }],
    });
    // Every setting the dev server runs with, the cluster has too, with the same value.
    for (const setting of DEV_SERVER_SETTINGS) {
      const [key, value] = setting.split('=') as [string, string];
      expect(dynamicConfig, key).toHaveProperty([key, 0, 'value'], JSON.parse(value));
    }
  });

  it('sets up schema and namespace with the deploy/ script the native cluster runs too, mounted and parseable', () => {
    const steps: Record<string, string> = {};
    let script: string | undefined;
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const oneShot = service(name);
      expect(oneShot.restart ?? 'no', name).toBe('no');
      const [shell, path, step] = [...words(oneShot.entrypoint), ...words(oneShot.command)];
      expect(shell).toBe('/bin/sh');
      const mount = mounts(oneShot).find((m) => m.bind && m.target === path);
      expect(mount, `${name} runs a mounted script`).toBeDefined();
      expect(mount!.source.startsWith('./deploy/')).toBe(true);
      script ??= mount!.source;
      expect(mount!.source, 'both one-shots run the same script').toBe(script);
      steps[name] = step!;
    }
    expect(steps).toEqual({ 'temporal-schema': 'schema', 'temporal-namespace': 'namespace' });
    const text = read(script!);
    for (const step of Object.values(steps)) expect(text).toMatch(new RegExp(`^\\s*${step}\\)`, 'm'));
    expect(text).toMatch(new RegExp(`=${BATCH_ID.name}\\b`));
    expect(text).toMatch(new RegExp(`=${BATCH_ID.type}\\b`, 'i'));
    expect(spawnSync('sh', ['-n', join(root, script!)]).status).toBe(0);
    // The native cluster (dev/cluster.ts) runs the same file.
    expect(read('dev/cluster.ts')).toContain(posix.basename(script!));

    // The schema one-shot reaches the compose PostgreSQL with its credentials, whatever .env says.
    for (const vars of [{}, { POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p' }] as Env[]) {
      const db = environment(service('postgresql'), vars);
      expect(environment(service('temporal-schema'), vars)).toMatchObject({
        SQL_PLUGIN: environment(service('temporal')).DB,
        SQL_HOST: environment(service('temporal')).POSTGRES_SEEDS,
        SQL_USER: db.POSTGRES_USER,
        SQL_PASSWORD: db.POSTGRES_PASSWORD,
      });
    }
    expect(environment(service('temporal-namespace')).TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
  });

  it('points the Web UI at a codec server the command in its comment starts on this machine', async () => {
    const ui = service('temporal-ui');
    const endpoint = new URL(environment(ui).TEMPORAL_CODEC_ENDPOINT!);
    expect(isLoopbackHost(endpoint.hostname), 'the browser reaches it on this machine').toBe(true);
    expect(Number(endpoint.port)).toBe(DEFAULT_CODEC_PORT);
    const uiPort = (ui.ports ?? [])
      .map(String)
      .find((p) => p.endsWith(':8080'))!
      .split(':')
      .at(-2);
    const uiOrigin = `http://localhost:${uiPort}`;
    const command = `mwbatch codec-server --cors-origin ${uiOrigin}`;
    expect(read('docker-compose.yml')).toContain(command);

    const key = randomBytes(32).toString('base64');
    const args = command.split(' ').slice(2);
    const codec = await runCodecServerCli(['--port', '0', ...args], {
      env: { MWBATCH_ENCRYPTION_KEY: key },
      print: () => {},
      handleSignals: false,
    });
    try {
      expect(isLoopbackHost(new URL(codec!.url).hostname)).toBe(true);
      const preflight = await fetch(`${codec!.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: uiOrigin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    } finally {
      await codec?.close();
    }
  });

  it('has Prometheus scrape every worker replica and the Temporal server, on the ports they serve', () => {
    const prometheus = service('prometheus');
    const mount = mounts(prometheus).find((m) => m.bind && m.target === '/etc/prometheus/prometheus.yml');
    expect(mount).toBeDefined();
    type Job = {
      job_name: string;
      metrics_path?: string;
      static_configs?: Array<{ targets: string[] }>;
      dns_sd_configs?: Array<{ names: string[]; type?: string; port?: number }>;
    };
    const config = parse(read(mount!.source)) as { scrape_configs: Job[] };
    const [, workerPort] = /:(\d+)$/.exec(environment(service('worker')).MWBATCH_METRICS_ADDR!)!;
    const workers = config.scrape_configs.flatMap((job) => job.dns_sd_configs ?? []);
    // DNS discovery of the service name finds every replica of `--scale worker=N`; a static target would find one.
    expect(workers).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port: Number(workerPort) })]);
    const [, temporalMetricsPort] = /:(\d+)$/.exec(environment(service('temporal')).PROMETHEUS_ENDPOINT!)!;
    const targets = config.scrape_configs.flatMap((job) => (job.static_configs ?? []).flatMap((c) => c.targets));
    expect(targets).toContain(`temporal:${temporalMetricsPort}`);
    for (const job of config.scrape_configs) expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect((prometheus.ports ?? []).map(String)).toEqual(['127.0.0.1:9090:9090']);
  });

  it("checks a worker's health on the readiness endpoint of its metrics port", async () => {
    const worker = service('worker');
    const [kind, program, flagE, script] = words(worker.healthcheck?.test);
    expect([kind, program, flagE]).toEqual(['CMD', 'node', '-e']);
    const [, port] = /:(\d+)$/.exec(environment(worker).MWBATCH_METRICS_ADDR!)!;
    expect(script).toContain(`http://127.0.0.1:${port}/readyz`);
    let ready = false;
    const health = createObservabilityServer({ readiness: () => ({ ready, detail: {} }) });
    const { port: actual } = await health.listen(0, '127.0.0.1');
    try {
      // A child process, as Docker runs it (asynchronously: this process serves the endpoint meanwhile).
      const probe = async () => (await runNode(['-e', script!.replace(`:${port}/`, `:${actual}/`)])).code;
      expect(await probe(), 'not ready yet').toBe(1);
      ready = true;
      expect(await probe(), 'ready').toBe(0);
    } finally {
      await health.close();
    }
  });

  it('refers only to files that exist, volumes that are declared and well-formed ${VAR} interpolations', () => {
    const declared = Object.keys((compose.volumes as Record<string, unknown> | undefined) ?? {});
    for (const [name, svc] of Object.entries(services)) {
      if (svc.build !== undefined) {
        const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
        expect(existsSync(join(root, build.context ?? '.', build.dockerfile ?? 'Dockerfile')), name).toBe(true);
      }
      for (const m of mounts(svc)) {
        if (m.bind) expect(existsSync(join(root, m.source)), `${name}: ${m.source}`).toBe(true);
        else expect(declared, `${name}: volume ${m.source}`).toContain(m.source);
      }
    }
    expect(badInterpolations(compose)).toEqual([]);
  });

  it('documents in deploy/env.example only variables the compose file reads', () => {
    const documented = [...read('deploy/env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name);
    expect(documented.length).toBeGreaterThan(0);
    const interpolated = new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Za-z_]\w*)/g)].map(([, n]) => n));
    for (const name of documented) expect(interpolated, name).toContain(name);
  });

  const composeCli = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!composeCli)('is accepted by `docker compose config`', () => {
    const result = spawnSync('docker', ['compose', 'config', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

const dockerfileText = read('Dockerfile');
const instructions: Instruction[] = [];
let stageCount = -1;
for (const line of dockerfileText.replace(/\\\n/g, ' ').split('\n')) {
  const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
  if (!match || line.trim().startsWith('#')) continue;
  const keyword = match[1]!.toUpperCase();
  if (keyword === 'FROM') stageCount += 1;
  instructions.push({ keyword, args: match[2]!.trim(), stage: stageCount });
}
const finalStage = stageCount;
const inStage = (stage: number, keyword: string) =>
  instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const globalArgs = Object.fromEntries(
  instructions.filter((i) => i.stage === -1 && i.keyword === 'ARG').map((i) => i.args.split('=') as [string, string]),
);
const stages = instructions
  .filter((i) => i.keyword === 'FROM')
  .map((i) => {
    const [image = '', , name] = interpolate(i.args, globalArgs).split(/\s+/);
    return { image, name: name?.toLowerCase() };
  });
const stageIndex = (name: string) => stages.findIndex((s) => s.name === name.toLowerCase());

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
  workdir: string;
}
function copies(stage: number): Copy[] {
  let workdir = '/';
  const result: Copy[] = [];
  for (const i of instructions.filter((ins) => ins.stage === stage)) {
    if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args);
    if (i.keyword !== 'COPY') continue;
    const parts = i.args.split(/\s+/);
    const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
    const paths = parts.filter((p) => !p.startsWith('--'));
    result.push({ from, sources: paths.slice(0, -1), dest: posix.resolve(workdir, paths.at(-1)!), workdir });
  }
  return result;
}

function dockerignored(path: string): boolean {
  let ignored = false;
  for (const raw of read('.dockerignore').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = line.replace(/^!/, '').replace(/^\/|\/$/g, '');
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\0')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\0/g, '.*');
    const regex = new RegExp(`^${source}$`);
    const segments = path.split('/');
    if (segments.some((_, n) => regex.test(segments.slice(0, n + 1).join('/')))) ignored = !negate;
  }
  return ignored;
}

/** Top-level folders the compiled code needs: tsconfig.build.json's roots and what they import relatively. */
function sourceFolders(): Set<string> {
  const include = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;
  const folders = new Set(include);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        for (const [, spec] of read(path).matchAll(/(?:from|import\(|require\()\s*'(\.\.?\/[^']+)'/g)) {
          folders.add(relative(root, resolve(root, dir, spec!)).split(sep)[0]!);
        }
      }
    }
  };
  include.forEach(walk);
  return folders;
}

describe('Dockerfile', () => {
  it('builds on a Debian (glibc) Node image of a supported major version', () => {
    const minimum = Number(
      /(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)![1],
    );
    for (const { image } of stages) {
      if (stageIndex(image) >= 0) continue;
      expect(image).not.toMatch(/alpine|musl/);
      const [, major, variant] = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.\d]*)-(\w+)/.exec(image) ?? [];
      expect(variant, image).toMatch(/^(bookworm|bullseye|trixie)$/);
      expect([20, 22, 24]).toContain(Number(major));
      expect(Number(major)).toBeGreaterThanOrEqual(minimum);
    }
  });

  it('runs bin/mwbatch.js as an unprivileged user, the worker by default', () => {
    const user = inStage(finalStage, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    const entrypoint = JSON.parse(inStage(finalStage, 'ENTRYPOINT').at(-1)!.args) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint[1]).toMatch(/(^|\/)bin\/mwbatch\.js$/);
    expect(JSON.parse(inStage(finalStage, 'CMD').at(-1)!.args)).toEqual(['worker']);
    const workdir = inStage(finalStage, 'WORKDIR').reduce((dir, w) => posix.resolve(dir, w.args), '/');
    const binDir = posix.dirname(posix.resolve(workdir, entrypoint[1]!));
    const finalCopies = copies(finalStage);
    expect(finalCopies.some((c) => !c.from && c.sources.includes('bin') && c.dest === binDir)).toBe(true);
    // bin/mwbatch.js requires ../dist/cli/main.js
    const dist = finalCopies.find((c) => c.from && c.sources.some((s) => s.endsWith('/dist')));
    expect(dist?.dest).toBe(posix.resolve(binDir, '..', 'dist'));
    const productionDeps = stageIndex(finalCopies.find((c) => c.dest.endsWith('/node_modules'))?.from ?? '');
    expect(inStage(productionDeps, 'RUN').some((r) => /npm ci .*--omit=dev/.test(r.args))).toBe(true);
  });

  it('copies only files that exist and are not left out of the build context by .dockerignore', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.env']) expect(ignore).toContain(entry);
    for (let stage = 0; stage <= finalStage; stage++) {
      for (const { from, sources } of copies(stage)) {
        if (from) continue;
        for (const source of sources) {
          expect(existsSync(join(root, source)), source).toBe(true);
          expect(dockerignored(source), `${source} is in .dockerignore`).toBe(false);
        }
      }
    }
  });

  it('compiles every source folder', () => {
    const build = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm run build'))!;
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build).toBeDefined();
    const copied = copies(build.stage).flatMap((c) => c.sources);
    for (const folder of [...sourceFolders(), 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) {
      expect(copied, folder).toContain(folder);
    }
  });
});
