/**
 * Where the CLI and the workers find Temporal (config/temporal.ts): the Temporal CLI's environment configuration
 * (a TOML profile chosen by TEMPORAL_PROFILE, the TEMPORAL_* variables over it), then --address / --namespace over
 * both; bad settings end in a ConfigError (exit 2) naming the variable, flag or profile key, never a secret.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors';
import { loadTemporalSettings, type TemporalOverrides } from '../../config/temporal';
import { loadWorkerSettings } from '../../worker/config';

const dir = mkdtempSync(join(tmpdir(), 'mwbatch-temporal-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A config file as `temporal config set` writes it: a default profile and a staging one. */
const configFile = file(
  'temporal.toml',
  [
    '[profile]',
    '  [profile.default]',
    '    address = "default.example.com:7233"',
    '  [profile.staging]',
    '    address = "staging.example.com:7233"',
    '    namespace = "staging-ns"',
  ].join('\n'),
);

/** The ConfigError thrown by `load`: exit code 2, naming `names`, quoting none of `secrets`. */
function configError(load: () => unknown, names: string[], secrets: string[] = []): string {
  let caught: unknown;
  try {
    load();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const { message, exitCode } = caught as ConfigError;
  expect(exitCode).toBe(2);
  for (const name of names) expect(message).toContain(name);
  for (const secret of secrets) expect(message).not.toContain(secret);
  return message;
}

const load = (env: NodeJS.ProcessEnv, overrides?: TemporalOverrides) => loadTemporalSettings(env, overrides);

describe('loadTemporalSettings', () => {
  it('defaults to a local dev server, namespace default, task queue mwbatch, no TLS', () => {
    const settings = load({});
    expect(settings).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'mwbatch' });
    expect(settings.connection).toMatchObject({ address: '127.0.0.1:7233' });
    expect(settings.connection.tls).toBeFalsy();
    expect(settings.connection.apiKey).toBeUndefined();
  });

  it('picks address and namespace from the profile TEMPORAL_PROFILE names in TEMPORAL_CONFIG_FILE', () => {
    const staging = load({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging' });
    expect(staging).toMatchObject({ address: 'staging.example.com:7233', namespace: 'staging-ns' });
    expect(staging.connection.address).toBe('staging.example.com:7233');
    // Without TEMPORAL_PROFILE (or with it empty), the profile named "default", as with the Temporal CLI.
    for (const profile of [undefined, '']) {
      const settings = load({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: profile });
      expect(settings).toMatchObject({ address: 'default.example.com:7233', namespace: 'default' });
    }
  });

  it("reads the Temporal CLI's own config file when TEMPORAL_CONFIG_FILE is not set", () => {
    const configHome = join(dir, 'xdg');
    mkdirSync(join(configHome, 'temporalio'), { recursive: true });
    writeFileSync(
      join(configHome, 'temporalio', 'temporal.toml'),
      '[profile.default]\naddress = "xdg.example.com:7233"\n',
    );
    expect(load({ XDG_CONFIG_HOME: configHome }).address).toBe('xdg.example.com:7233');
    // A home without a config file: the defaults, no error.
    expect(load({ HOME: join(dir, 'no-such-home') }).address).toBe('127.0.0.1:7233');
  });

  it('lets the TEMPORAL_* variables override the profile, and --address / --namespace override both', () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging' };
    expect(load({ ...env, TEMPORAL_ADDRESS: 'env.example.com:7233' })).toMatchObject({
      address: 'env.example.com:7233',
      namespace: 'staging-ns',
    });
    expect(load({ ...env, TEMPORAL_NAMESPACE: 'env-ns' }).namespace).toBe('env-ns');
    const flagged = load(
      { ...env, TEMPORAL_ADDRESS: 'env.example.com:7233', TEMPORAL_NAMESPACE: 'env-ns' },
      { address: 'flag.example.com:7233', namespace: 'flag-ns' },
    );
    expect(flagged).toMatchObject({ address: 'flag.example.com:7233', namespace: 'flag-ns' });
    expect(flagged.connection.address).toBe('flag.example.com:7233');
  });

  it('accepts IPv6 addresses in brackets', () => {
    expect(load({ TEMPORAL_ADDRESS: '[::1]:7233' }).connection.address).toBe('[::1]:7233');
    expect(load({}, { address: '[2001:db8::10]:443' }).address).toBe('[2001:db8::10]:443');
  });

  it.each([
    ['a host without a port', 'temporal.example.com'],
    ['an IPv6 address without brackets', '::1:7233'],
    ['a URL', 'http://temporal.example.com:7233'],
    ['a port out of range', 'localhost:70000'],
  ])('rejects %s, naming where it came from', (_name, address) => {
    expect(configError(() => load({ TEMPORAL_ADDRESS: address }), ['TEMPORAL_ADDRESS', 'host:port'])).toContain(
      address,
    );
    configError(() => load({}, { address }), ['--address', 'host:port']);
    const profileFile = file('bad-address.toml', `[profile.default]\naddress = "${address}"\n`);
    configError(() => load({ TEMPORAL_CONFIG_FILE: profileFile }), ['address', 'profile "default"', profileFile]);
  });

  it('takes the API key and TLS settings of a profile', () => {
    const ca = file('ca.pem', 'CA CERTIFICATE');
    const cert = file('client.pem', 'CLIENT CERTIFICATE');
    const key = file('client.key', 'CLIENT KEY');
    const profiles = file(
      'secure.toml',
      [
        '[profile.cloud]',
        'address = "acme.a1b2c.tmprl.cloud:7233"',
        'namespace = "acme.a1b2c"',
        'api_key = "cloud-api-key"',
        '[profile.mtls]',
        'address = "temporal.internal:7233"',
        '[profile.mtls.tls]',
        `client_cert_path = "${cert}"`,
        `client_key_path = "${key}"`,
        `server_ca_cert_path = "${ca}"`,
        'server_name = "temporal.internal"',
      ].join('\n'),
    );
    const cloud = load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud.connection).toMatchObject({ address: 'acme.a1b2c.tmprl.cloud:7233', apiKey: 'cloud-api-key' });
    expect(cloud.connection.tls).toBe(true); // an API key always goes over TLS
    expect(cloud.namespace).toBe('acme.a1b2c');

    const mtls = load({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'mtls' }).connection.tls;
    expect(mtls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    if (typeof mtls !== 'object') throw new Error('expected a TLS configuration');
    expect(Buffer.from(mtls.serverRootCACertificate!).toString()).toBe('CA CERTIFICATE');
    expect(Buffer.from(mtls.clientCertPair!.crt).toString()).toBe('CLIENT CERTIFICATE');
    expect(Buffer.from(mtls.clientCertPair!.key).toString()).toBe('CLIENT KEY');
  });

  it('turns TLS off with TEMPORAL_TLS=false, and refuses a value that is not a boolean', () => {
    const env = { TEMPORAL_ADDRESS: 'temporal.internal:7233' };
    expect(load({ ...env, TEMPORAL_TLS: 'true' }).connection.tls).toBeTruthy();
    expect(load({ ...env, TEMPORAL_TLS: 'yes' }).connection.tls).toBeTruthy();
    expect(load({ ...env, TEMPORAL_TLS: 'false' }).connection.tls).toBeFalsy();
    configError(() => load({ ...env, TEMPORAL_TLS: 'maybe' }), ['TEMPORAL_TLS', 'true or false']);
  });

  it('refuses an API key with TLS turned off (it would cross the network in clear text), naming both settings', () => {
    const env = { TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 's3cret-api-key' };
    expect(load(env).connection.tls).toBeTruthy(); // an API key turns TLS on by itself
    for (const off of ['false', '0', 'no']) {
      const message = configError(
        () => load({ ...env, TEMPORAL_TLS: off }),
        ['TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'clear text'],
        ['s3cret-api-key'],
      );
      expect(message.startsWith('Invalid Temporal configuration:')).toBe(true);
    }
    // The same from a profile: its api_key with its tls turned off, or with TEMPORAL_TLS=false over it.
    const profiles = file(
      'plaintext-key.toml',
      [
        '[profile.cloud]',
        'api_key = "s3cret-api-key"',
        '[profile.off]',
        'api_key = "s3cret-api-key"',
        '[profile.off.tls]',
        'disabled = true',
      ].join('\n'),
    );
    const fromFile = { TEMPORAL_CONFIG_FILE: profiles };
    configError(
      () => load({ ...fromFile, TEMPORAL_PROFILE: 'cloud', TEMPORAL_TLS: 'false' }),
      ['api_key', 'profile "cloud"', 'TEMPORAL_TLS'],
      ['s3cret-api-key'],
    );
    configError(
      () => load({ ...fromFile, TEMPORAL_PROFILE: 'off' }),
      ['api_key', 'tls.disabled', 'profile "off"'],
      ['s3cret-api-key'],
    );
    // Turning TLS on again over the profile is accepted.
    expect(load({ ...fromFile, TEMPORAL_PROFILE: 'off', TEMPORAL_TLS: 'true' }).connection.tls).toBeTruthy();
  });

  it('takes the TLS files of the TEMPORAL_TLS_* variables, and names the one it cannot read', () => {
    const cert = file('env-client.pem', 'ENV CERTIFICATE');
    const key = file('env-client.key', 'ENV KEY');
    const tls = load({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key }).connection.tls;
    if (typeof tls !== 'object') throw new Error('expected a TLS configuration');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('ENV CERTIFICATE');
    const missing = join(dir, 'missing.pem');
    configError(
      () => load({ TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: key }),
      ['TEMPORAL_TLS_CLIENT_CERT_PATH', missing],
    );
    configError(() => load({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert }), ['TEMPORAL_TLS_CLIENT_KEY_PATH']);
    const profile = file('missing-ca.toml', `[profile.default.tls]\nserver_ca_cert_path = "${missing}"\n`);
    configError(() => load({ TEMPORAL_CONFIG_FILE: profile }), ['server_ca_cert_path', 'profile "default"', missing]);
  });

  it('names TEMPORAL_PROFILE when the file has no such profile, and lists the ones it has', () => {
    const message = configError(
      () => load({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' }),
      ['TEMPORAL_PROFILE', '"prod"', configFile],
    );
    expect(message).toContain('default, staging');
    configError(() => load({ HOME: join(dir, 'no-such-home'), TEMPORAL_PROFILE: 'prod' }), ['TEMPORAL_PROFILE']);
  });

  it('names TEMPORAL_CONFIG_FILE when it is missing or not TOML, without quoting the file', () => {
    const missing = join(dir, 'nowhere.toml');
    configError(() => load({ TEMPORAL_CONFIG_FILE: missing }), ['TEMPORAL_CONFIG_FILE', `file not found: ${missing}`]);
    const broken = file('broken.toml', '[profile.default]\napi_key = "s3cret-key\n');
    configError(() => load({ TEMPORAL_CONFIG_FILE: broken }), ['TEMPORAL_CONFIG_FILE', broken, 'line 2'], ['s3cret']);
  });

  it('keeps the API key out of every error message', () => {
    const profile = file('key-and-bad-address.toml', '[profile.default]\naddress = "nowhere"\napi_key = "s3cret"\n');
    configError(() => load({ TEMPORAL_CONFIG_FILE: profile }), ['address'], ['s3cret']);
    configError(
      () => load({ TEMPORAL_API_KEY: 's3cret', TEMPORAL_ADDRESS: 'nowhere' }),
      ['TEMPORAL_ADDRESS'],
      ['s3cret'],
    );
  });

  it('gives the worker the same profile', () => {
    const worker = loadWorkerSettings({
      MOVEWORKS_ASSISTANT_NAME: 'assistant',
      MOVEWORKS_TOKEN: 'token',
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'staging',
      TEMPORAL_TASK_QUEUE: 'staging-queue',
    });
    expect(worker.temporal).toMatchObject({
      address: 'staging.example.com:7233',
      namespace: 'staging-ns',
      taskQueue: 'staging-queue',
    });
  });
});
