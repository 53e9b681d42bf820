/**
 * The tolerant reader's bookkeeping: values outside what the published contract lists are kept instead of failing
 * the parse, and each one is reported (what, value, kind) so a new status, content type or body shape from
 * Moveworks degrades visibly instead of crashing or passing silently.
 */
import { z } from 'zod';

/**
 * What kind of surprise a report is:
 * - `enum`: a value outside a documented enum (e.g. a new `Response.status`);
 * - `terminal_status`: an unknown `Response.status` that looks terminal (see looksTerminal);
 * - `variant`: an unknown union member (content, output or action `type`);
 * - `shape`: a known type with an unexpected body, a field of an unexpected JSON type, or a missing field the
 *   contract requires (the value says what was found);
 * - `event`: an unknown stream event name.
 */
export type UnknownKind = 'enum' | 'terminal_status' | 'variant' | 'shape' | 'event';

/** Called with what was unknown (e.g. `Response.status`), the value found, and its kind. */
export type UnknownReporter = (what: string, value: string, kind: UnknownKind) => void;

// zod parsing is synchronous, so a module-level collector is safe: it only lives inside one
// parseReporting call and JS runs nothing else in between.
let collecting: Array<[string, string, UnknownKind]> | undefined;

/** Notes a surprise during a parseReporting call; reported only if the whole parse succeeds. */
export function noteUnknown(what: string, value: string, kind: UnknownKind): void {
  collecting?.push([what, value, kind]);
}

/** Calls `report`, ignoring a throw: it is a logging hook and must not fail an API call. */
export function safeReport(report: UnknownReporter | undefined, what: string, value: string, kind: UnknownKind): void {
  try {
    report?.(what, value, kind);
  } catch {
    // a failing logger must not fail the API call
  }
}

/**
 * safeParse that reports unknown enum values, variants and shapes (once per distinct what/value pair)
 * after a successful parse. Exceptions thrown by `onUnknown` are ignored: it is a logging hook.
 */
export function parseReporting<S extends z.ZodType>(
  schema: S,
  data: unknown,
  onUnknown?: UnknownReporter,
): z.ZodSafeParseResult<z.output<S>> {
  const outer = collecting;
  const found: Array<[string, string, UnknownKind]> = [];
  collecting = found;
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(data);
  } finally {
    collecting = outer;
  }
  if (result.success && onUnknown) {
    const seen = new Set<string>();
    for (const [what, value, kind] of found) {
      const key = `${what}\u0000${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      safeReport(onUnknown, what, value, kind);
    }
  }
  return result;
}

/**
 * A reporter that passes each distinct (what, value) on once, however many responses carry it: what a client
 * does with its `onUnknown`, so a worker logs (and counts) each surprise once per run, not once per row.
 */
export function reportingOnce(report: UnknownReporter): UnknownReporter {
  const seen = new Set<string>();
  return (what, value, kind) => {
    const key = `${what}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    report(what, value, kind);
  };
}

/**
 * A string enum that also accepts (and reports) values outside `known`. `kindOf` may classify an unknown value
 * (e.g. `terminal_status`); the default kind is `enum`.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(
  what: string,
  known: T,
  kindOf: (value: string) => UnknownKind = () => 'enum',
) {
  const knownSet = new Set<string>(known);
  return z.string().transform((value): T[number] | (string & {}) => {
    if (!knownSet.has(value)) noteUnknown(what, value, kindOf(value));
    return value;
  });
}

/** The discriminator of a catch-all union member: any string except the known ones. */
export function unknownVariant(what: string, known: readonly string[]) {
  const knownSet = new Set(known);
  return z
    .string()
    .refine((value) => !knownSet.has(value))
    .transform((value): string & {} => {
      noteUnknown(what, value, 'variant');
      return value;
    });
}

/**
 * The last member of a union: a `type` the contract knows whose body did not match its schema. It is kept (with
 * whatever fields it has) and reported as a `shape` surprise, instead of failing the whole response.
 */
export function malformedKnownVariant(what: string, known: readonly [string, ...string[]]) {
  return z.looseObject({
    type: z.enum(known).transform((type) => {
      noteUnknown(what, `${type} with an unexpected body`, 'shape');
      return type;
    }),
  });
}

/** The JSON type of a value, as a report names it: string, number, boolean, null, array or object. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
