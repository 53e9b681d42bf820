/**
 * The one logger of the worker and the gateway: JSON lines (one object a line: time, level, msg, then the
 * question's identity, then the rest) or text lines for a person, on stderr. It implements the SDK's Logger, so
 * the SDK's own lines, the core's forwarded lines and the activity and workflow context loggers all come through
 * it. Every line about a question carries workflowId, runId, batchId and conversationKey (read from the workflow
 * id, `<batchId>/<conversationKey>`), and rowId and rootUuid when the caller knows them. Known secrets and bearer
 * tokens are replaced before a line is written, whatever the caller put in it.
 */
import type { Logger as SdkLogger, LogLevel as SdkLogLevel, LogMetadata } from '@temporalio/common';
import { safeForTerminal } from '../common/terminal';
import type { LogFormat, LogLevel, LogSettings } from './settings';

export type Logger = SdkLogger;

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
/** Attributes that say nothing useful in a log and are a capability (the activity's task token). */
const DROPPED = new Set(['taskToken', 'spanContexts']);
const REDACTED = '[redacted]';

export interface LoggerOptions extends LogSettings {
  /** Values never to write (the API token, the client secret, the encryption key...); short ones are ignored. */
  secrets?: (string | undefined)[];
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
  /** Fields on every line (e.g. `component: 'worker'`). */
  base?: Record<string, unknown>;
  now?: () => Date;
}

/** The identity of a question, from the SDK's context attributes and the workflow id. */
export function questionFields(meta: LogMetadata): Record<string, unknown> {
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const fields: Record<string, unknown> = {};
  if (workflowId) {
    fields.workflowId = workflowId;
    const slash = workflowId.indexOf('/');
    if (slash > 0) {
      fields.batchId = meta.batchId ?? workflowId.slice(0, slash);
      fields.conversationKey = meta.conversationKey ?? workflowId.slice(slash + 1).split('/')[0];
    }
  }
  const runId = meta.runId ?? meta.workflowRunId;
  if (runId !== undefined) fields.runId = runId;
  for (const key of ['batchId', 'conversationKey', 'rowId', 'rootUuid'] as const) {
    if (meta[key] !== undefined) fields[key] = meta[key];
  }
  return fields;
}

/** Errors as their name and message (no stack in JSON: one line stays one line), bigints as strings. */
function plain(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined && { code }) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => plain(v, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, seen)]));
}

/** Characters JSON.stringify leaves as they are but a terminal would act on (C1 controls, bidi overrides). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const secrets = (options.secrets ?? []).filter((s): s is string => !!s && s.length >= 6);
  const threshold = RANK[options.level];
  const scrub = (text: string) =>
    secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text.replace(BEARER, `$1${REDACTED}`));
  const render = renderers[options.format];

  function log(level: SdkLogLevel, message: string, meta: LogMetadata = {}): void {
    const lower = level.toLowerCase() as LogLevel;
    if ((RANK[lower] ?? RANK.info) < threshold) return;
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta)) {
      if (!DROPPED.has(key) && !QUESTION_KEYS.has(key) && value !== undefined) rest[key] = plain(value);
    }
    const record = {
      time: now().toISOString(),
      level: lower,
      msg: message,
      ...options.base,
      ...questionFields(meta),
      ...rest,
    };
    write(scrub(render(record)));
  }

  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

const QUESTION_KEYS = new Set([
  'workflowId',
  'runId',
  'workflowRunId',
  'batchId',
  'conversationKey',
  'rowId',
  'rootUuid',
]);

type LogRecord = { time: string; level: string; msg: string } & Record<string, unknown>;

const renderers: Record<LogFormat, (record: LogRecord) => string> = {
  json: (record) =>
    JSON.stringify(record).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  text: ({ time, level, msg, ...fields }) => {
    const pairs = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return safeForTerminal([time, level.toUpperCase().padEnd(5), msg, ...pairs].join(' '));
  },
};

/** Names of variables whose values are secrets: tokens, client secrets, keys, passwords, webhook URLs. */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|WEBHOOK|CREDENTIAL/i;
/** ... but not those that only name a file holding one. */
const REFERENCE_NAME = /_(FILE|PATH)$/i;

/** The values of the environment's secret variables, for `secrets` (the logger replaces them on every line). */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && !REFERENCE_NAME.test(name) && !!value && value.length >= 8)
    .map(([, value]) => value!);
}
