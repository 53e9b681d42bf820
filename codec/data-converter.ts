/**
 * Payload encryption, configured by MWBATCH_ENCRYPTION_KEY (one key) or MWBATCH_ENCRYPTION_KEY_FILE (a key file
 * for rotation). Workers, the CLI and the codec server must all see the same keys. No key: no encryption.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- makes tsc emit it: Temporal loads it by path
/// <reference path="../codec/failure-converter.ts" />
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { KEY_BYTES, singleKeySet, type KeySet } from './keys';
import { parseEnv } from '../config/env';
import { ConfigError } from '../common/errors';

export type { KeySet };

const KEY_HINT = `generate one with: openssl rand -base64 ${KEY_BYTES}`;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Never echoes the value: every message is ours, none quotes the input. */
const base64Key = z
  .string()
  .trim()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, `must be base64 (${KEY_HINT})`)
  .transform((value) => Buffer.from(value, 'base64'))
  .refine((key) => key.length === KEY_BYTES, `must be ${KEY_BYTES} bytes once base64-decoded (${KEY_HINT})`);

const encryptionEnvSchema = z
  .object({
    MWBATCH_ENCRYPTION_KEY: base64Key.optional(),
    MWBATCH_ENCRYPTION_KEY_FILE: z.string().optional(),
  })
  .refine((env) => !(env.MWBATCH_ENCRYPTION_KEY && env.MWBATCH_ENCRYPTION_KEY_FILE), {
    message: 'set MWBATCH_ENCRYPTION_KEY or MWBATCH_ENCRYPTION_KEY_FILE, not both',
    path: ['MWBATCH_ENCRYPTION_KEY_FILE'],
  });

/** `{ "active": "<id>", "keys": { "<id>": "<base64 32 bytes>", ... } }`: ids are free-form labels. */
const keyFileSchema = z
  .object({
    active: z.string().regex(KEY_ID, 'must be a key id (letters, digits, ".", "_", "-")'),
    keys: z
      .record(z.string().regex(KEY_ID, 'must be letters, digits, ".", "_" or "-"'), base64Key)
      .refine((keys) => Object.keys(keys).length > 0, 'must hold at least one key'),
  })
  .refine((file) => file.keys[file.active] !== undefined, {
    message: 'names a key that is not in "keys"',
    path: ['active'],
  });

/** Issue paths name key ids; one that is not a valid id might be a pasted key, so it is not printed. */
function describePath(path: PropertyKey[]): string {
  return path.map((part) => (typeof part === 'string' && !KEY_ID.test(part) ? '<invalid id>' : String(part))).join('.');
}

function readKeyFile(path: string): KeySet {
  const variable = 'MWBATCH_ENCRYPTION_KEY_FILE';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be key material.
    throw new ConfigError(`${variable}: ${path} is not valid JSON`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${describePath(issue.path) || '(file)'}: ${issue.message}`);
    throw new ConfigError(`${variable}: invalid key file ${path}:\n${lines.join('\n')}`);
  }
  return { activeKeyId: parsed.data.active, keys: new Map(Object.entries(parsed.data.keys)) };
}

/**
 * The keys from the environment, or undefined when encryption is off. The id of a MWBATCH_ENCRYPTION_KEY key is the
 * first 8 hex digits of its SHA-256: use that id for it in a key file when rotating.
 */
export function loadEncryptionKeys(env: NodeJS.ProcessEnv = process.env): KeySet | undefined {
  const e = parseEnv(encryptionEnvSchema, env, 'encryption');
  if (e.MWBATCH_ENCRYPTION_KEY) return singleKeySet(e.MWBATCH_ENCRYPTION_KEY);
  if (e.MWBATCH_ENCRYPTION_KEY_FILE) return readKeyFile(e.MWBATCH_ENCRYPTION_KEY_FILE);
  return undefined;
}

/**
 * The module exporting the encrypting failure converter: the compiled .js under dist/, the .ts from sources.
 * Pass it to bundleWorkflowCode({ failureConverterPath }) when building a workflow bundle for encrypting workers.
 */
export function failureConverterPath(): string {
  const js = join(__dirname, '..', 'codec', 'failure-converter.js');
  return existsSync(js) ? js : join(__dirname, '..', 'codec', 'failure-converter.ts');
}

/**
 * The data converter for Worker.create and the Client, or undefined without keys. Design decision: failures are
 * encrypted too (encodeCommonAttributes), because error messages and stack traces can quote questions and answers;
 * the history then shows "Encoded failure" until decoded with the key.
 */
export function createDataConverter(keys: KeySet | undefined): DataConverter | undefined {
  if (!keys) return undefined;
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: failureConverterPath() };
}

export function loadDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  return createDataConverter(loadEncryptionKeys(env));
}

const codecServerEnvSchema = z.object({ MWBATCH_CODEC_AUTH_TOKEN: z.string().optional() });

/** When set, the codec server wants `Authorization: Bearer <token>` (e.g. `temporal --codec-auth 'Bearer …'`). */
export function loadCodecAuthToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return parseEnv(codecServerEnvSchema, env, 'codec server').MWBATCH_CODEC_AUTH_TOKEN;
}
