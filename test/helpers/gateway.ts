/**
 * Talking to the HTTP gateway as a client in another language would, over real HTTP: `callGateway` sends one
 * request and validates the response (status declared for the operation, content type, headers, body schema)
 * against gateway/openapi.json with ajv, recording which statuses each operation was seen to answer;
 * `spawnGateway` runs `mwbatch serve` as a process and reads the address it listens on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import openapi from '../../gateway/openapi.json';
import { MWBATCH_BIN, REPO_ROOT } from './cli';
import { waitFor } from './wait';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked by path
type Json = any;
const spec = openapi as Json;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: 'gateway.json' });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function validate(pointer: string, value: unknown, label: string): void {
  let v = validators.get(pointer);
  if (!v) validators.set(pointer, (v = ajv.compile({ $ref: `gateway.json#${pointer}` })));
  expect(v(value), `${label}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 600)}`).toBe(true);
}

/** Every "METHOD /template" the document declares. */
export const documentedOperations: string[] = Object.entries(spec.paths as Json).flatMap(([path, item]) =>
  METHODS.filter((m) => (item as Json)[m]).map((m) => `${m.toUpperCase()} ${path}`),
);

/** The statuses the document declares for an operation. */
export function declaredStatuses(operation: string): string[] {
  const [method, path] = operation.split(' ') as [string, string];
  return Object.keys(spec.paths[path][method.toLowerCase()].responses as Json).sort();
}

/** "METHOD /template" -> statuses seen and validated in this test file. */
export const exercised = new Map<string, Set<string>>();

function templateOf(pathname: string): string {
  const template = Object.keys(spec.paths as Json).find((t) =>
    new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(pathname),
  );
  expect(template, `${pathname} is not a path of the document`).toBeDefined();
  return template!;
}

const resolvePointer = (pointer: string): Json =>
  pointer
    .split('/')
    .slice(1)
    .reduce((node: Json, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);

/** A declared response, its `$ref` (to components/responses) followed: the pointer to it and the object. */
function declaredResponse(template: string, method: string, status: number): { pointer: string; response: Json } {
  const pointer = `/paths/${esc(template)}/${method}/responses/${status}`;
  const response = spec.paths[template][method].responses[String(status)] as Json;
  expect(response, `${method.toUpperCase()} ${template} → ${status} is not declared in the document`).toBeDefined();
  if (!response.$ref) return { pointer, response };
  const ref = (response.$ref as string).replace(/^#/, '');
  return { pointer: ref, response: resolvePointer(ref) };
}

export interface GatewayReply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface GatewayCall {
  method?: string;
  token?: string;
  key?: string;
  body?: unknown;
  /** A raw body, sent as is (with `contentType`). */
  raw?: string;
  contentType?: string;
}

/** One request, its response validated against the document. */
export async function callGateway(baseUrl: string, path: string, call: GatewayCall = {}): Promise<GatewayReply> {
  const method = call.method ?? (call.body !== undefined || call.raw !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = {};
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  if (call.key !== undefined) headers['idempotency-key'] = call.key;
  if (call.body !== undefined || call.raw !== undefined)
    headers['content-type'] = call.contentType ?? 'application/json';
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body)),
  });
  const body: Json = await res.json();
  const url = new URL(res.url);
  const template = templateOf(url.pathname);
  const label = `${method} ${template} → ${res.status}`;
  const { pointer, response } = declaredResponse(template, method.toLowerCase(), res.status);
  expect(res.headers.get('content-type'), label).toMatch(/^application\/json\b/);
  validate(`${pointer}/content/application~1json/schema`, body, label);
  for (const [name, declared] of Object.entries((response.headers ?? {}) as Json)) {
    const ref = ((declared as Json).$ref as string | undefined)?.replace(/^#/, '');
    const header = ref ? resolvePointer(ref) : (declared as Json);
    const value = res.headers.get(name);
    if (header.required === true) expect(value, `${label}: header ${name}`).not.toBeNull();
    if (value !== null)
      validate(`${ref ?? `${pointer}/headers/${esc(name)}`}/schema`, value, `${label} header ${name}`);
  }
  const operation = `${method} ${template}`;
  exercised.set(operation, (exercised.get(operation) ?? new Set()).add(String(res.status)));
  return { status: res.status, headers: res.headers, body };
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** `mwbatch serve --port 0 …` as a process; resolves once it prints the address it listens on. */
export async function spawnGateway(args: string[], env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MWBATCH_BIN, 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const url = await waitFor('the gateway to listen', () => {
    if (ended) throw new Error(`mwbatch serve exited:\n${stderr}`);
    return /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
  });
  return { url, child, stderr: () => stderr, exited };
}
