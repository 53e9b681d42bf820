/**
 * A payload codec that encrypts every payload with AES-256-GCM, so questions, answers and failure details are
 * ciphertext in Temporal's history, in exports and in the Web UI (unless it is pointed at the codec server).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_BYTES, type KeySet } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  // A private field: util.inspect and console.log of the codec never show the key bytes.
  readonly #keys: KeySet;

  constructor(keys: KeySet) {
    if (!keys.keys.has(keys.activeKeyId)) throw new ValueError(`active encryption key ${keys.activeKeyId} is unknown`);
    for (const [id, key] of keys.keys) {
      if (key.length !== KEY_BYTES) throw new ValueError(`encryption key ${id} must be ${KEY_BYTES} bytes`);
    }
    this.#keys = keys;
  }

  get activeKeyId(): string {
    return this.#keys.activeKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.#decrypt(payload) : payload));
  }

  /** The whole Payload proto (metadata included) is encrypted, so even its original encoding is hidden. */
  #encrypt(payload: Payload): Payload {
    const id = this.#keys.activeKeyId;
    const key = this.#keys.keys.get(id) as Buffer; // checked in the constructor
    // Plain (not length-delimited) proto bytes, as the Go and Python encryption samples write them.
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
      data: sealed,
    };
  }

  #decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new ValueError(`encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.#keys.keys.get(id);
    if (!key) {
      const known = [...this.#keys.keys.keys()].join(', ');
      throw new ValueError(`cannot decrypt payload: encryption key ${id} is not configured (known keys: ${known})`);
    }
    const sealed = payload.data ?? new Uint8Array();
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new ValueError(`encrypted payload (key ${id}) is truncated`);
    const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(`cannot decrypt payload with key ${id}: authentication failed (wrong key or altered data)`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
