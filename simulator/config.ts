// Simulator configuration: every knob, its default, and the zod schemas that validate full configs and the
// partial patches sent to PATCH /_sim/config or `configure()`.
import { z } from 'zod';

const fraction = z.number().min(0).max(1);
const millis = z.number().int().min(0);

export const contentVariants = ['PLAIN_TEXT', 'COMMONMARK_TEXT', 'MARKDOWN_TEXT'] as const;

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
    /** Real-time interval between `: keep-alive` comments on an open SSE stream. */
    keepAliveMs: z.number().int().positive().default(5000),
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
