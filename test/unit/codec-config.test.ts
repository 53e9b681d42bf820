import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter as loadSdkDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { EncryptionCodec, isEncrypted } from '../../codec/encryption-codec';
import {
  createDataConverter,
  loadCodecAuthToken,
  loadDataConverter,
  loadEncryptionKeys,
} from '../../codec/data-converter';
import { ConfigError } from '../../common/errors';

const dir = mkdtempSync(join(tmpdir(), 'mwbatch-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ConfigError thrown by `load`, checked to name `variable` and to quote none of `secrets`. */
function configError(load: () => unknown, variable: string, secrets: string[] = []): string {
  let caught: unknown;
  try {
    load();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as ConfigError).message;
  expect(message).toContain(variable);
  for (const secret of secrets) expect(message).not.toContain(secret);
  return message;
}

describe('loadEncryptionKeys', () => {
  it('is off when no key is configured (empty counts as unset)', () => {
    expect(loadEncryptionKeys({})).toBeUndefined();
    expect(loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY: '' })).toBeUndefined();
    expect(loadDataConverter({})).toBeUndefined();
    expect(createDataConverter(undefined)).toBeUndefined();
  });

  it('names a single key by a hash prefix, tolerating a trailing newline', () => {
    const key = randomBytes(32);
    const keys = loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY: `${key.toString('base64')}\n` })!;
    const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
    expect(keys.activeKeyId).toBe(id);
    expect([...keys.keys.keys()]).toEqual([id]);
    expect(keys.keys.get(id)!.equals(key)).toBe(true);
  });

  it('reads a key file with an active key and older ones', () => {
    const [current, old] = [randomBytes(32), randomBytes(32)];
    const path = keyFile('rotation.json', {
      active: '2025-06',
      keys: { '2025-06': current.toString('base64'), '2024-12': old.toString('base64') },
    });
    const keys = loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: path })!;
    expect(keys.activeKeyId).toBe('2025-06');
    expect(keys.keys.get('2024-12')!.equals(old)).toBe(true);
  });

  it('refuses both variables at once', () => {
    const path = keyFile('both.json', { active: 'a', keys: { a: randomBytes(32).toString('base64') } });
    const message = configError(
      () =>
        loadEncryptionKeys({
          MWBATCH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          MWBATCH_ENCRYPTION_KEY_FILE: path,
        }),
      'MWBATCH_ENCRYPTION_KEY_FILE',
    );
    expect(message).toMatch(/not both/);
  });

  it('refuses a key that is not base64 or not 32 bytes, without echoing it', () => {
    const notBase64 = `${randomBytes(32).toString('hex')}!`;
    configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY: notBase64 }), 'MWBATCH_ENCRYPTION_KEY', [notBase64]);
    const short = randomBytes(31).toString('base64');
    const message = configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY: short }), 'MWBATCH_ENCRYPTION_KEY', [
      short,
    ]);
    expect(message).toMatch(/32 bytes/);
  });

  it('reports an unreadable, malformed or inconsistent key file without echoing keys', () => {
    configError(
      () => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: join(dir, 'missing.json') }),
      'MWBATCH_ENCRYPTION_KEY_FILE',
    );
    const key = randomBytes(32).toString('base64');
    const broken = keyFile('broken.json', `{ "active": "a", "keys": { "a": "${key}" `);
    configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: broken }), 'MWBATCH_ENCRYPTION_KEY_FILE', [
      key,
    ]);
    const absent = keyFile('absent.json', { active: 'b', keys: { a: key } });
    expect(
      configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: absent }), 'MWBATCH_ENCRYPTION_KEY_FILE', [
        key,
      ]),
    ).toMatch(/active/);
    const short = randomBytes(16).toString('base64');
    const wrongSize = keyFile('short.json', { active: 'a', keys: { a: short } });
    configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: wrongSize }), 'MWBATCH_ENCRYPTION_KEY_FILE', [
      short,
    ]);
    // A key pasted where its id belongs is not an id: the message must not print it.
    const swapped = keyFile('swapped.json', { active: 'a', keys: { a: key, [key]: key } });
    configError(() => loadEncryptionKeys({ MWBATCH_ENCRYPTION_KEY_FILE: swapped }), 'MWBATCH_ENCRYPTION_KEY_FILE', [
      key,
    ]);
  });

  it('reads the optional codec server token', () => {
    expect(loadCodecAuthToken({})).toBeUndefined();
    expect(loadCodecAuthToken({ MWBATCH_CODEC_AUTH_TOKEN: 'tok' })).toBe('tok');
  });
});

describe('createDataConverter', () => {
  it('encrypts payloads and, through the failure converter, failure messages and stack traces', async () => {
    const converter = loadDataConverter({ MWBATCH_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    expect(converter.payloadCodecs?.[0]).toBeInstanceOf(EncryptionCodec);
    expect(existsSync(converter.failureConverterPath!)).toBe(true);

    // Load it as Worker.create and new Client do: a plain require() of the path, outside vitest's transform.
    const loaded = loadSdkDataConverter(converter);
    const failure = loaded.failureConverter.errorToFailure(
      ApplicationFailure.create({ message: 'cannot answer "where is my payslip?"' }),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const [encoded] = await loaded.payloadCodecs[0]!.encode([failure.encodedAttributes!]);
    expect(isEncrypted(encoded!)).toBe(true);
    expect(Buffer.from(encoded!.data!).includes('payslip')).toBe(false);
  });
});
