/**
 * Whether a host is this machine only (127.0.0.0/8, ::1, `localhost`): the one place where plain HTTP and a codec
 * server without a token are acceptable, because no other machine can reach or overhear it.
 */
import { isIP } from 'node:net';

/** A host name or address as given to `listen` or found in a URL (`[::1]` with or without its brackets). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}
