/**
 * How workers and the CLI reach Temporal: a local dev server, a self-hosted cluster (optionally mTLS) or Temporal
 * Cloud (mTLS or API key). The settings follow the Temporal CLI's environment configuration (@temporalio/envconfig),
 * so an existing `temporal` setup works as is, in this order, each over the one before:
 *   1. a profile of the TOML file `temporal config set` writes (TEMPORAL_CONFIG_FILE, default
 *      ~/.config/temporalio/temporal.toml; the profile TEMPORAL_PROFILE names, default "default"),
 *   2. the TEMPORAL_* variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, ...),
 *   3. the CLI's --address / --namespace (the overrides argument).
 * TEMPORAL_TASK_QUEUE is this project's own. A bad setting is a ConfigError naming the variable, flag or profile key.
 */
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import {
  loadClientConfig,
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { DEFAULT_TASK_QUEUE } from '../common/names';
import { booleanFlag, definedOnly, parseEnv } from './env';
import { ConfigError } from '../common/errors';

const DEFAULT_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'default';
const DEFAULT_PROFILE = 'default';

/** The variables read here rather than by envconfig: TEMPORAL_TLS is checked strictly (envconfig reads "yes" as false). */
const ownEnvSchema = z.object({
  TEMPORAL_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
  TEMPORAL_TLS: booleanFlag.optional(),
});

/** What the command line sets over the environment and the profile (`--address`, `--namespace`). */
export interface TemporalOverrides {
  address?: string;
  namespace?: string;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Options for `Connection.connect` / `NativeConnection.connect`; may hold an API key: never log it. */
  connection: { address: string; tls?: TLSConfig | boolean; apiKey?: string; metadata?: Record<string, string> };
}

/** The config file to read, and whether the user named it (then a missing file is an error, not "no profiles"). */
interface ConfigFile {
  path: string;
  named: boolean;
}

/** Where the Temporal CLI keeps its config file, as envconfig looks for it (from the given environment's HOME). */
function configFileOf(vars: Record<string, string>): ConfigFile | undefined {
  if (vars.TEMPORAL_CONFIG_FILE) return { path: vars.TEMPORAL_CONFIG_FILE, named: true };
  let dir: string | undefined;
  if (platform() === 'win32') dir = vars.APPDATA;
  else if (platform() === 'darwin') dir = vars.HOME && join(vars.HOME, 'Library', 'Application Support');
  else if (vars.XDG_CONFIG_HOME) dir = isAbsolute(vars.XDG_CONFIG_HOME) ? vars.XDG_CONFIG_HOME : undefined;
  else dir = vars.HOME && join(vars.HOME, '.config');
  return dir ? { path: join(dir, 'temporalio', 'temporal.toml'), named: false } : undefined;
}

/** How messages name the config file: the variable when the user set it. */
const fileLabel = (file: ConfigFile) => (file.named ? `TEMPORAL_CONFIG_FILE (${file.path})` : file.path);

function invalid(problems: string[]): ConfigError {
  return new ConfigError(`Invalid Temporal configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** The file's text; undefined when the default file does not exist (no profiles, as with the Temporal CLI). */
function readConfigFile(file: ConfigFile): string | undefined {
  try {
    return readFileSync(file.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !file.named) return undefined;
    const problem = code === 'ENOENT' ? `file not found: ${file.path}` : `cannot read ${file.path} (${code ?? err})`;
    throw invalid([`${file.named ? 'TEMPORAL_CONFIG_FILE' : 'Temporal config file'}: ${problem}`]);
  }
}

/** One line of an envconfig or TOML parser error, with the position but never the quoted text (it may hold a key). */
function describeFileError(err: unknown): string {
  const { line, column } = err as { line?: number; column?: number };
  const first = (err instanceof Error ? err.message : String(err))
    .split('\n')[0]!
    .replace(/^Invalid TOML document: /, '');
  return line === undefined ? first : `not valid TOML at line ${line}, column ${column}: ${first}`;
}

/** The profile names of the file; none when it has no [profile.*] table (envconfig then fails with a TypeError). */
function profileNames(text: string, file: ConfigFile): string[] {
  try {
    return Object.keys(loadClientConfig({ configSource: { data: text } }).profiles);
  } catch (err) {
    if (err instanceof TypeError) return [];
    throw invalid([`${fileLabel(file)}: ${describeFileError(err)}`]);
  }
}

interface LoadedProfile {
  profile: ClientConfigProfile;
  /** "profile "x" of FILE", for messages about a value that came from the file. */
  where?: string;
}

/** The profile, with the TEMPORAL_* variables applied over it by envconfig. */
function loadProfile(vars: Record<string, string>, tls: boolean | undefined): LoadedProfile {
  const file = configFileOf(vars);
  const text = file && readConfigFile(file);
  const names = file && text !== undefined ? profileNames(text, file) : [];
  const wanted = vars.TEMPORAL_PROFILE;
  if (wanted && !names.includes(wanted)) {
    const found = names.length > 0 ? `; it has ${names.join(', ')}` : '';
    const where = !file
      ? '(no config file: set TEMPORAL_CONFIG_FILE)'
      : text === undefined
        ? `(${file.path} does not exist: set TEMPORAL_CONFIG_FILE)`
        : `in ${file.path}${found}`;
    throw invalid([`TEMPORAL_PROFILE: no profile "${wanted}" ${where}`]);
  }
  const useFile = file !== undefined && names.length > 0;
  // envconfig reads TEMPORAL_TLS as true only for "true" or "1": hand it the value checked above.
  const envForEnvconfig = { ...vars, ...(tls === undefined ? {} : { TEMPORAL_TLS: String(tls) }) };
  try {
    const profile = loadClientConfigProfile({
      profile: wanted,
      configSource: useFile ? { data: text! } : undefined,
      disableFile: !useFile,
      overrideEnvVars: envForEnvconfig,
    });
    return { profile, where: useFile ? `profile "${wanted ?? DEFAULT_PROFILE}" of ${file.path}` : undefined };
  } catch (err) {
    // In practice: a profile's tls.client_cert_path (say) with the _DATA variable for the same file, or the reverse.
    const source = useFile ? `${fileLabel(file)} with the TEMPORAL_TLS variables` : 'the TEMPORAL_TLS variables';
    throw invalid([`${source}: ${describeFileError(err)}`]);
  }
}

/** host:port, the host a name, an IPv4 address or an IPv6 address in brackets. */
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]|[^\s:/[\]]+):(\d{1,5})$/;

function addressProblem(address: unknown): string | undefined {
  const match = typeof address === 'string' ? HOST_PORT.exec(address) : null;
  if (match && Number(match[1]) >= 1 && Number(match[1]) <= 65_535) return undefined;
  return `must be host:port, e.g. 127.0.0.1:7233 or [::1]:7233 (got ${JSON.stringify(address)})`;
}

type TlsFile = 'clientCert' | 'clientKey' | 'serverCACert';

/** The variable and the profile key of each TLS file, for messages. */
const TLS_FILES: Record<TlsFile, { variable: string; key: string }> = {
  clientCert: { variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH', key: 'tls.client_cert_path' },
  clientKey: { variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH', key: 'tls.client_key_path' },
  serverCACert: { variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', key: 'tls.server_ca_cert_path' },
};

/**
 * The profile with each TLS file read into memory, so that a file that cannot be read is named with the variable
 * or profile key that gave it (envconfig would throw a bare ENOENT).
 */
function withTlsFilesRead(
  loaded: LoadedProfile,
  vars: Record<string, string>,
  problems: string[],
): ClientConfigProfile {
  const { profile, where } = loaded;
  const tls = profile.tls;
  if (!tls || tls.disabled) return profile;
  const read = { ...tls };
  for (const field of Object.keys(TLS_FILES) as TlsFile[]) {
    const source: ConfigDataSource | undefined = tls[field];
    if (!source || !('path' in source)) continue;
    const { variable, key } = TLS_FILES[field];
    const named = vars[variable] === source.path ? variable : `${key} of ${where ?? 'the profile'}`;
    try {
      read[field] = { data: readFileSync(source.path) };
    } catch (err) {
      problems.push(`${named}: cannot read ${source.path} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }
  if (!read.clientCert !== !read.clientKey) {
    const inProfile = where ? ` (or tls.client_cert_* and tls.client_key_* in ${where})` : '';
    problems.push(
      `TEMPORAL_TLS_CLIENT_KEY_PATH: set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH${inProfile}, or neither`,
    );
  }
  return { ...profile, tls: read };
}

/**
 * An API key with TLS turned off would cross the network in clear text (Temporal Cloud refuses the connection
 * anyway, after the key has been sent): the problem, naming where the key and the "TLS off" came from.
 */
function apiKeyWithoutTls({ profile, where }: LoadedProfile, vars: Record<string, string>): string | undefined {
  if (!profile.apiKey || !profile.tls?.disabled) return undefined;
  const inProfile = where ?? 'the profile';
  const key = vars.TEMPORAL_API_KEY ? 'TEMPORAL_API_KEY' : `api_key of ${inProfile}`;
  const off = vars.TEMPORAL_TLS ? `TEMPORAL_TLS=${vars.TEMPORAL_TLS}` : `tls.disabled of ${inProfile}`;
  return (
    `${key} with ${off}: the API key would be sent in clear text. Turn TLS on (an API key turns it on unless ` +
    `${vars.TEMPORAL_TLS ? 'TEMPORAL_TLS' : 'tls.disabled'} says otherwise), or connect without an API key`
  );
}

export function loadTemporalSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: TemporalOverrides = {},
): TemporalSettings {
  const vars = definedOnly(env);
  const own = parseEnv(ownEnvSchema, vars, 'Temporal');
  const loaded = loadProfile(vars, own.TEMPORAL_TLS);
  const problems: string[] = [];

  const [address, addressSource] =
    overrides.address !== undefined
      ? [overrides.address, '--address']
      : vars.TEMPORAL_ADDRESS
        ? [vars.TEMPORAL_ADDRESS, 'TEMPORAL_ADDRESS']
        : loaded.profile.address !== undefined
          ? [loaded.profile.address, `address of ${loaded.where ?? 'the profile'}`]
          : [DEFAULT_ADDRESS, 'the default address'];
  const badAddress = addressProblem(address);
  if (badAddress) problems.push(`${addressSource}: ${badAddress}`);

  const namespace = overrides.namespace ?? loaded.profile.namespace ?? DEFAULT_NAMESPACE;
  if (typeof namespace !== 'string' || namespace === '') {
    const source = overrides.namespace !== undefined ? '--namespace' : `namespace of ${loaded.where}`;
    problems.push(`${source}: must name a namespace`);
  }

  const profile = withTlsFilesRead(loaded, vars, problems);
  const plaintextKey = apiKeyWithoutTls(loaded, vars);
  if (plaintextKey) problems.push(plaintextKey);
  if (problems.length > 0) throw invalid(problems);
  const { connectionOptions } = toClientOptions({ ...profile, address, namespace });
  return {
    address,
    namespace,
    taskQueue: own.TEMPORAL_TASK_QUEUE,
    connection: {
      address,
      tls: connectionOptions.tls ?? undefined,
      apiKey: typeof connectionOptions.apiKey === 'string' ? connectionOptions.apiKey : undefined,
      metadata: profile.grpcMeta,
    },
  };
}
