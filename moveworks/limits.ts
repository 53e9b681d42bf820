/**
 * Caps on how much a server can make this process hold or pass on: a JSON body, one SSE line, the answer
 * text. Going over a cap raises ResponseTooLargeError. The defaults are explained in moveworks/README.md.
 */

export interface MoveworksLimits {
  /** Longest JSON response body read, in bytes. Reading stops past it. Error bodies are cut there instead. */
  maxResponseBytes: number;
  /**
   * Longest line of the event stream, in characters (UTF-16 code units, JavaScript's string length). The
   * `data:` lines of one event together are held to the same cap.
   */
  maxStreamLineLength: number;
  /** Largest answer text `extractAnswer` returns, in UTF-8 bytes. */
  maxAnswerBytes: number;
}

const MIB = 1024 * 1024;

/** Far above any real JSON answer of the API, and small enough that a runaway body cannot hurt a worker. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * MIB;
/** One event is one line of JSON holding a whole response; half the body cap is still far above any real one. */
export const DEFAULT_MAX_STREAM_LINE_LENGTH = 4 * MIB;
/**
 * The answer travels in a Temporal payload (the activity's result), and Temporal rejects payloads over 2 MB.
 * That result also carries the raw `outputs`, which hold the same text a second time, so half a MiB of answer
 * keeps the whole result near 1 MiB, with room for citations and JSON escaping.
 */
export const DEFAULT_MAX_ANSWER_BYTES = MIB / 2;

export const DEFAULT_LIMITS: Readonly<MoveworksLimits> = Object.freeze({
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  maxStreamLineLength: DEFAULT_MAX_STREAM_LINE_LENGTH,
  maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES,
});

/** The defaults overridden by whichever caps are given; each must be a positive whole number. */
export function resolveLimits(given: Partial<MoveworksLimits>): Readonly<MoveworksLimits> {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof MoveworksLimits)[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`MoveworksClient: ${name} must be a positive whole number, got ${String(value)}`);
    }
    limits[name] = value;
  }
  return Object.freeze(limits);
}
