// Seeded randomness for the simulator. Separate named streams (ids, faults, outcomes, trace) keep one
// concern from shifting another: turning a fault knob on does not change the IDs a run produces.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** mulberry32: a tiny 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash; used for stable answer hashes and to derive stream seeds. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export type Rng = () => number;

export interface RandomStreams {
  ids: Rng;
  /**
   * One fault stream per route (e.g. `POST /conversations`), made on first use. Concurrent clients interleave
   * their requests differently on every run; per route, the n-th request still gets the n-th draw, so "some
   * create was dropped" holds for a seed however the conversations and polls interleave.
   */
  faults: (route: string) => Rng;
  outcomes: Rng;
  trace: Rng;
}

export function randomStreams(seed: number): RandomStreams {
  const stream = (name: string): Rng => mulberry32(fnv1a(`${seed}:${name}`));
  const faultStreams = new Map<string, Rng>();
  const faults = (route: string): Rng => {
    let rng = faultStreams.get(route);
    if (rng === undefined) faultStreams.set(route, (rng = stream(`faults:${route}`)));
    return rng;
  };
  return { ids: stream('ids'), faults, outcomes: stream('outcomes'), trace: stream('trace') };
}

export function base62(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[Math.floor(rng() * 62)] ?? '0';
  return out;
}

/** `conv_` / `resp_` / `msg_` / `rs_` / `cite_` + 21 base-62 characters, like the documented examples. */
export function resourceId(rng: Rng, prefix: 'conv' | 'resp' | 'msg' | 'rs' | 'cite'): string {
  return `${prefix}_${base62(rng, 21)}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (26 Crockford base-32 characters: 48-bit millisecond time, then 80 random bits) drawn from `rng`. */
export function ulid(rng: Rng, atMs: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(atMs));
  for (let i = 0; i < 10; i++) {
    time = (CROCKFORD[t % 32] ?? '0') + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[Math.floor(rng() * 32)] ?? '0';
  return time + random;
}

/** `conv_` / `resp_` / … + a ULID: the identifiers of the v1 API. */
export function ulidResourceId(rng: Rng, prefix: 'conv' | 'resp' | 'msg' | 'rs' | 'cite', atMs: number): string {
  return `${prefix}_${ulid(rng, atMs)}`;
}

function randomHex(rng: Rng, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(rng() * 16).toString(16);
  return out;
}

/** A random UUID v4 string drawn from the given stream. */
export function uuidV4(rng: Rng): string {
  const variant = (8 + Math.floor(rng() * 4)).toString(16);
  return [
    randomHex(rng, 8),
    randomHex(rng, 4),
    `4${randomHex(rng, 3)}`,
    `${variant}${randomHex(rng, 3)}`,
    randomHex(rng, 12),
  ].join('-');
}

/**
 * `evt_` + a UUID-v7-looking string: 48-bit millisecond timestamp, then a 12-bit counter, then random bits.
 * Lowercase fixed-width hex, so comparing event IDs as strings orders them by time, then by counter.
 */
export function eventId(rng: Rng, atMs: number, counter: number): string {
  const ts = Math.max(0, Math.floor(atMs)).toString(16).padStart(12, '0').slice(-12);
  const seq = (counter & 0xfff).toString(16).padStart(3, '0');
  return `evt_${ts.slice(0, 8)}-${ts.slice(8)}-7${seq}-8${randomHex(rng, 3)}-${randomHex(rng, 12)}`;
}
