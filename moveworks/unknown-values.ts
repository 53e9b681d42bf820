/**
 * Open enums: values outside the known list are kept and reported instead of failing the parse,
 * so a new status or content type from Moveworks degrades gracefully.
 */
import { z } from 'zod';

export type UnknownReporter = (what: string, value: string) => void;

// zod parsing is synchronous, so a module-level collector is safe: it only lives inside one
// parseReporting call and JS runs nothing else in between.
let collecting: Array<[string, string]> | undefined;

function noteUnknown(what: string, value: string): void {
  collecting?.push([what, value]);
}

/**
 * safeParse that reports unknown enum values and variants (once per distinct what/value pair)
 * after a successful parse. Exceptions thrown by `onUnknown` are ignored: it is a logging hook.
 */
export function parseReporting<S extends z.ZodType>(
  schema: S,
  data: unknown,
  onUnknown?: UnknownReporter,
): z.ZodSafeParseResult<z.output<S>> {
  const outer = collecting;
  const found: Array<[string, string]> = [];
  collecting = found;
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(data);
  } finally {
    collecting = outer;
  }
  if (result.success && onUnknown) {
    const seen = new Set<string>();
    for (const [what, value] of found) {
      const key = `${what}\u0000${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        onUnknown(what, value);
      } catch {
        // a failing logger must not fail the API call
      }
    }
  }
  return result;
}

/** A string enum that also accepts (and reports) values outside `known`. */
export function openEnum<const T extends readonly [string, ...string[]]>(what: string, known: T) {
  const knownSet = new Set<string>(known);
  return z.string().transform((value): T[number] | (string & {}) => {
    if (!knownSet.has(value)) noteUnknown(what, value);
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
      noteUnknown(what, value);
      return value;
    });
}
