import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../codec/encryption-codec';
import { keyIdOf, singleKeySet, type KeySet } from '../../codec/keys';

const question = { rowId: 'r1', question: 'What is the parental leave policy in Lisbon?' };
const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

function keySet(active: Buffer, ...others: Buffer[]): KeySet {
  return { activeKeyId: keyIdOf(active), keys: new Map([active, ...others].map((k) => [keyIdOf(k), k])) };
}

describe('EncryptionCodec', () => {
  it('round-trips a payload', async () => {
    const codec = new EncryptionCodec(singleKeySet(randomBytes(32)));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(question)]);
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(question);
  });

  it('leaves neither the text nor the original encoding readable', async () => {
    const key = randomBytes(32);
    const codec = new EncryptionCodec(singleKeySet(key));
    const plain = defaultPayloadConverter.toPayload(question);
    const [a, b] = await codec.encode([plain, plain]);
    expect(utf8(a!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(utf8(a!.metadata?.[KEY_ID_METADATA])).toBe(keyIdOf(key));
    expect(Object.keys(a!.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    const data = Buffer.from(a!.data!);
    for (const text of ['parental leave', 'Lisbon', 'json/plain']) expect(data.includes(text)).toBe(false);
    expect(Buffer.from(b!.data!).equals(data)).toBe(false); // a fresh IV every time
  });

  it('passes payloads that are not encrypted through unchanged', async () => {
    const codec = new EncryptionCodec(singleKeySet(randomBytes(32)));
    const plain: Payload = defaultPayloadConverter.toPayload(question);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('decrypts with an older key after rotation and encrypts with the new one', async () => {
    const [keyA, keyB] = [randomBytes(32), randomBytes(32)];
    const [old] = await new EncryptionCodec(keySet(keyA)).encode([defaultPayloadConverter.toPayload(question)]);
    const rotated = new EncryptionCodec(keySet(keyB, keyA));
    const [decoded] = await rotated.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(question);
    const [fresh] = await rotated.encode([decoded!]);
    expect(utf8(fresh!.metadata?.[KEY_ID_METADATA])).toBe(keyIdOf(keyB));
  });

  it('names a missing key id, and never the key, when it cannot decrypt', async () => {
    const [keyA, keyB] = [randomBytes(32), randomBytes(32)];
    const [old] = await new EncryptionCodec(keySet(keyA)).encode([defaultPayloadConverter.toPayload(question)]);
    const error = await new EncryptionCodec(keySet(keyB)).decode([old!]).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(keyIdOf(keyA));
    for (const key of [keyA, keyB]) {
      expect(message).not.toContain(key.toString('base64'));
      expect(message).not.toContain(key.toString('hex'));
    }
  });

  it('refuses altered ciphertext', async () => {
    const codec = new EncryptionCodec(singleKeySet(randomBytes(32)));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(question)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(/authentication failed/);
  });

  it('keeps key material out of inspect() output', () => {
    const key = randomBytes(32);
    const shown = inspect(new EncryptionCodec(singleKeySet(key)), { depth: 10 });
    expect(shown).not.toContain(key.toString('hex').slice(0, 16));
    expect(shown).not.toMatch(/<Buffer/);
  });

  it('rejects a key set whose active key is missing or the wrong size', () => {
    expect(() => new EncryptionCodec({ activeKeyId: 'nope', keys: new Map() })).toThrow(/nope/);
    expect(() => new EncryptionCodec({ activeKeyId: 'short', keys: new Map([['short', randomBytes(16)]]) })).toThrow(
      /32 bytes/,
    );
  });
});
