// Simulator configuration: every knob, its default, and the zod schemas that validate full configs and the
// partial patches sent to PATCH /_sim/config or `configure()`.
import { z } from 'zod';

const fraction = z.number().min(0).max(1);
const millis = z.number().int().min(0);

export const contentVariants = ['PLAIN_TEXT', 'COMMONMARK_TEXT', 'MARKDOWN_TEXT'] as const;
/** The two API generations the simulator serves at once, each under its own base path (routes.ts). */
export const apiFlavours = ['beta', 'v1'] as const;
export type ApiFlavour = (typeof apiFlavours)[number];

export const simulatorConfigSchema = z
  .object({
    /** Seed of every random decision (IDs, faults, outcomes, trace UUIDs). */
    seed: z.number().int().default(1),
    /** Static bearer token that is always accepted. */
    token: z.string().min(1).default('sim-token'),
    /** Required value of the Assistant-Name header. */
    assistantName: z.string().min(1).default('sim-assistant'),
    clientId: z.string().min(1).default('sim-client'),
    clientSecret: z.string().min(1).default('sim-secret'),
    tokenTtlSeconds: z.number().int().positive().default(3600),
    /** 'wrapped' = {data:{access_token,...}} as the OpenAPI says; 'flat' = the developer-portal example. */
    tokenResponseShape: z.enum(['wrapped', 'flat']).default('wrapped'),
    answerDelayMs: millis.default(1000),
    inProgressAfterMs: millis.default(300),
    contentVariant: z.enum([...contentVariants, 'rotate']).default('rotate'),
    /** Global token bucket over all API requests (not per token/user); null = unlimited. */
    rateLimit: z
      .object({ rps: z.number().positive(), burst: z.number().int().positive().optional() })
      .strict()
      .nullable()
      .default(null),
    retryAfter: z.enum(['seconds', 'http-date', 'none']).default('seconds'),
    /** Real-time interval between `: keep-alive` comments on an open SSE stream; 0 = none (a server silent while it thinks). */
    keepAliveMs: z.number().int().min(0).default(5000),
    // Realism knobs: what a real server may do that the published examples do not show.
    /**
     * Format of new conversation and response IDs: `api` = the creating request's API decides (beta: `conv_` + 21
     * base-62 characters; v1: `conv_` + a 26-character ULID); `base62` or `ulid` for every request; `mixed`
     * alternates, so one run sees both.
     */
    idFormat: z.enum(['api', 'base62', 'ulid', 'mixed']).default('api'),
    /** Line ending of every SSE line: `lf` (default), `crlf` or `cr`; the `[sim:sse-crlf]` directive forces crlf. */
    sseLineEnding: z.enum(['lf', 'crlf', 'cr']).default('lf'),
    /** Comment lines (`: …`) before each event and between its fields (`[sim:sse-comments]` for one question). */
    sseComments: z.boolean().default(false),
    /** When > 0, each SSE event is written in pieces of this many bytes, flushed one by one (`[sim:sse-split=N]`). */
    sseChunkBytes: z.number().int().min(0).default(0),
    /** The USER message echoes the question with its whitespace trimmed and runs of whitespace collapsed. */
    echoTrim: z.boolean().default(false),
    /** When > 0, every answer is padded to at least this many UTF-8 bytes, like `[sim:size=N]` (very long answers). */
    minAnswerBytes: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024)
      .default(0),
    /** A FAILED response carries `error: {code, message}` (undocumented; an early draft of the API had it). */
    failedErrorObject: z.boolean().default(true),
    // Fault knobs, drawn per request/response from the seeded PRNG.
    latencyMs: millis.default(0),
    rate429: fraction.default(0),
    rate5xx: fraction.default(0),
    failureRate: fraction.default(0),
    cutStreamRate: fraction.default(0),
    streamErrorRate: fraction.default(0),
    slowAnswerRate: fraction.default(0),
    slowAnswerMs: millis.default(30_000),
    hangRate: fraction.default(0),
    malformedJsonRate: fraction.default(0),
    commitThenDropRate: fraction.default(0),
    // Eventual consistency, by the simulator clock.
    /** GET of a response answers 404 NOT_FOUND for this long after the response was created. */
    notFoundAfterCreateMs: millis.default(0),
    /**
     * When > 0, a new response in a conversation answers 409 CONFLICT while the previous response is not terminal
     * or reached its terminal status less than this long ago. 0 accepts it (responses then run side by side).
     */
    conflictWhileSettlingMs: millis.default(0),
    /** Answers given instead of the computed one, keyed by the question without its directives (tests change them). */
    answers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
export type SimulatorConfigPatch = Partial<SimulatorConfig>;

/** Same fields, all optional, no defaults filled in: a patch only changes what it names. */
export const simulatorConfigPatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(simulatorConfigSchema.shape).map(([key, field]) => [key, field.removeDefault().optional()]),
    ),
  )
  .strict() as unknown as z.ZodType<SimulatorConfigPatch>;

export const defaultSimulatorConfig: SimulatorConfig = Object.freeze(simulatorConfigSchema.parse({}));

/** Merges a patch into a config; throws a readable Error when a value is invalid. */
export function mergeConfig(base: SimulatorConfig, patch: unknown): SimulatorConfig {
  const parsedPatch = simulatorConfigPatchSchema.safeParse(patch ?? {});
  if (!parsedPatch.success) throw new Error(describeIssues(parsedPatch.error));
  const merged = simulatorConfigSchema.safeParse({ ...base, ...stripUndefined(parsedPatch.data) });
  if (!merged.success) throw new Error(describeIssues(merged.error));
  return merged.data;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`).join('; ');
}
