// The simulator as a program: `node dist/simulator/bin.js --port 4010 --answer-delay 2000 --rate-5xx 0.05`.
import { Command, InvalidArgumentError } from 'commander';
import { apiFlavours, defaultSimulatorConfig, mergeConfig, type ApiFlavour, type SimulatorConfigPatch } from './config';
import { startSimulator, type Simulator } from './server';

export const DEFAULT_PORT = 4010;

export interface CliIo {
  /** Where the "listening" line goes; defaults to stdout. */
  print?: (line: string) => void;
  /** Close on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

function num(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Not a number.');
  return n;
}

function jsonObject(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('Expected a JSON object.');
}

// flag -> config key, for every numeric or string knob with a one-to-one flag.
const FLAGS: Array<[flags: string, key: keyof SimulatorConfigPatch, help: string, numeric: boolean]> = [
  ['--seed <n>', 'seed', 'seed of every random decision', true],
  ['--token <token>', 'token', 'static bearer token that is always accepted', false],
  ['--assistant-name <name>', 'assistantName', 'required Assistant-Name header value', false],
  ['--client-id <id>', 'clientId', 'OAuth client id', false],
  ['--client-secret <secret>', 'clientSecret', 'OAuth client secret', false],
  ['--token-ttl <seconds>', 'tokenTtlSeconds', 'lifetime of issued tokens', true],
  ['--token-response-shape <shape>', 'tokenResponseShape', 'wrapped | flat', false],
  ['--answer-delay <ms>', 'answerDelayMs', 'time until a response is terminal', true],
  ['--in-progress-after <ms>', 'inProgressAfterMs', 'time until a response is IN_PROGRESS', true],
  ['--content-variant <type>', 'contentVariant', 'PLAIN_TEXT | COMMONMARK_TEXT | MARKDOWN_TEXT | rotate', false],
  ['--retry-after <mode>', 'retryAfter', 'Retry-After on 429: seconds | http-date | none', false],
  ['--keep-alive <ms>', 'keepAliveMs', 'interval of SSE keep-alive comments', true],
  ['--latency <ms>', 'latencyMs', 'latency added to every API request', true],
  ['--rate-429 <fraction>', 'rate429', 'fraction of API requests answered 429', true],
  ['--rate-5xx <fraction>', 'rate5xx', 'fraction of API requests answered 500/503', true],
  ['--failure-rate <fraction>', 'failureRate', 'fraction of responses that end FAILED', true],
  ['--cut-stream-rate <fraction>', 'cutStreamRate', 'fraction of streams cut after RESPONSE_CREATED', true],
  ['--stream-error-rate <fraction>', 'streamErrorRate', 'fraction of streams ending with an ERROR event', true],
  ['--slow-answer-rate <fraction>', 'slowAnswerRate', 'fraction of responses that take --slow-answer-ms', true],
  ['--slow-answer-ms <ms>', 'slowAnswerMs', 'answer delay of slow responses', true],
  ['--hang-rate <fraction>', 'hangRate', 'fraction of API requests never answered', true],
  ['--malformed-json-rate <fraction>', 'malformedJsonRate', 'fraction of 2xx answers with truncated JSON', true],
  ['--commit-then-drop-rate <fraction>', 'commitThenDropRate', 'fraction of creates stored then dropped', true],
  ['--not-found-after-create <ms>', 'notFoundAfterCreateMs', 'GET of a new response is 404 for this long', true],
  ['--conflict-while-settling <ms>', 'conflictWhileSettlingMs', '409 on a new response until the last settled', true],
  ['--id-format <format>', 'idFormat', 'new IDs: api | base62 | ulid | mixed', false],
  ['--sse-line-ending <ending>', 'sseLineEnding', 'SSE line ending: lf | crlf | cr', false],
  ['--sse-chunk-bytes <n>', 'sseChunkBytes', 'write each SSE event in pieces of n bytes (0 = whole)', true],
  ['--min-answer-bytes <n>', 'minAnswerBytes', 'pad every answer to at least n bytes', true],
];

// flag -> boolean config key.
const SWITCHES: Array<[flag: string, key: keyof SimulatorConfigPatch, help: string]> = [
  ['--sse-comments', 'sseComments', 'comment lines before each SSE event and between its fields'],
  ['--echo-trim', 'echoTrim', 'the USER message echoes the question with whitespace trimmed and collapsed'],
  ['--no-failed-error', 'failedErrorObject', 'a FAILED response carries no error object'],
];

function buildProgram(): Command {
  const program = new Command('simulator')
    .description('Run a local Moveworks Conversations API (v1beta1) simulator')
    .option('--port <n>', `port to listen on (0 = any free port)`, num, DEFAULT_PORT)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--api <api>', 'API printed as the base URL (both are served): beta | v1', 'beta')
    .option('--rate-limit <rps>', 'global token-bucket limit in requests per second', num)
    .option('--burst <n>', 'token-bucket size (default: ceil(rps))', num)
    .option('--config-json <json>', 'config fields as a JSON object; flags override it', jsonObject)
    // Help and usage errors end in a CommanderError (exit 0 and 2 for `mwbatch simulator` and bin.ts), with no stack.
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (message, write) => write(`${message.trimEnd()} (see \`mwbatch simulator --help\`)\n`),
    });
  for (const [flags, , help, numeric] of FLAGS) {
    if (numeric) program.option(flags, help, num);
    else program.option(flags, help);
  }
  for (const [flag, , help] of SWITCHES) program.option(flag, help);
  return program;
}

/** Parses `argv` (the arguments after the program name), starts the simulator, prints where it listens. */
export async function runSimulatorCli(argv: string[], io: CliIo = {}): Promise<Simulator> {
  const program = buildProgram();
  program.parse(argv, { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const patch: Record<string, unknown> = { ...((opts.configJson as Record<string, unknown> | undefined) ?? {}) };
  for (const [flags, key] of FLAGS) {
    const option = program.options.find((o) => o.long === flags.split(' ')[0]);
    const value = option ? opts[option.attributeName()] : undefined;
    if (value !== undefined) patch[key] = value;
  }
  for (const [flag, key] of SWITCHES) {
    const option = program.options.find((o) => o.long === flag);
    const value = option ? opts[option.attributeName()] : undefined;
    // A `--no-…` switch defaults to true in commander: only an explicit use changes the config.
    if (value !== undefined && program.getOptionValueSource(option!.attributeName()) === 'cli') patch[key] = value;
  }
  const api = String(opts.api) as ApiFlavour;
  if (!(apiFlavours as readonly string[]).includes(api)) throw new Error(`--api must be beta or v1, got ${api}`);
  if (opts.rateLimit !== undefined) {
    patch.rateLimit = { rps: opts.rateLimit, ...(opts.burst !== undefined ? { burst: opts.burst } : {}) };
  }
  const config = mergeConfig(defaultSimulatorConfig, patch); // throws a readable message on bad values
  const sim = await startSimulator({ ...config, port: opts.port as number, host: opts.host as string, api });
  const other = api === 'beta' ? 'v1' : 'beta';
  (io.print ?? ((line: string) => process.stdout.write(`${line}\n`)))(
    `Moveworks simulator listening on ${sim.origin} (base URL ${sim.baseUrl}) (${other} API at ${sim.baseUrls[other]})`,
  );
  if (io.handleSignals !== false) {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sim.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return sim;
}
