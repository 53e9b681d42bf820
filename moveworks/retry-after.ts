/**
 * Parsing of the `Retry-After` header (RFC 9110 §10.2.3 / RFC 7231 §7.1.3).
 * The Moveworks docs do not promise this header; we honour it when present.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// IMF-fixdate, the preferred form: "Sun, 06 Nov 1994 08:49:37 GMT"
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
// Obsolete forms a recipient must still accept:
// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; asctime: "Sun Nov  6 08:49:37 1994"
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Converts a Retry-After value to milliseconds from `now`.
 * - delta-seconds: "3" → 3000. Decimals are not allowed by the RFC but some servers send them;
 *   "1.5" → 1500 (rounded up to a whole millisecond).
 * - HTTP-date: the time left until that date; a date in the past → 0.
 * - anything else (empty, negative, garbage) → undefined.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DELTA_SECONDS.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const at = parseHttpDate(text, now);
  if (at === undefined) return undefined;
  return Math.max(0, at - now.getTime());
}

/** Epoch milliseconds of an HTTP-date in any of its three RFC forms, or undefined. */
export function parseHttpDate(text: string, now: Date = new Date()): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC_850.exec(text);
  if (m) {
    // Two-digit years: RFC 7231 says a year more than 50 years ahead is in the past century.
    const yy = Number(m[3]);
    const thisYear = now.getUTCFullYear();
    let year = 2000 + yy;
    if (year > thisYear + 50) year -= 100;
    return utc(String(year), m[2], m[1], m[4], m[5], m[6]);
  }
  m = ASCTIME.exec(text);
  if (m) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return undefined;
}

function utc(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hh: string | undefined,
  mm: string | undefined,
  ss: string | undefined,
): number | undefined {
  const monthIndex = MONTHS.indexOf(month ?? '');
  const y = toInt(year);
  const d = toInt(day);
  const h = toInt(hh);
  const mi = toInt(mm);
  const s = toInt(ss);
  if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  if (![y, d, h, mi, s].every(Number.isInteger)) return undefined;
  const ms = Date.UTC(y, monthIndex, d, h, mi, s);
  // Reject dates such as 31 Feb that Date.UTC silently rolls over.
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

function toInt(part: string | undefined): number {
  return part === undefined ? NaN : Number(part.trim());
}
