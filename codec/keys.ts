/** Encryption keys: the active key encrypts new payloads, every known key still decrypts (key rotation). */
import { createHash } from 'node:crypto';

/** AES-256. */
export const KEY_BYTES = 32;

export interface KeySet {
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
  /** Every key that may still decrypt old payloads, the active one included. */
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * The id travels in plaintext next to every encrypted payload, so it is a hash prefix: it names the key without
 * revealing anything about it.
 */
export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A KeySet of one key, named by its hash. */
export function singleKeySet(key: Buffer): KeySet {
  const id = keyIdOf(key);
  return { activeKeyId: id, keys: new Map([[id, key]]) };
}
