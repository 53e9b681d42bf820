/**
 * A file the user names on the command line (a question CSV, an evaluation suite) that cannot be opened: one plain
 * message, `file not found: X`, with exit 2 (ConfigError), rather than Node's `ENOENT: no such file or directory,
 * open 'X'` or a stack trace.
 */
import { ConfigError } from './errors';

/** What to tell the user when `path` cannot be opened; `undefined` when `err` is not a file-system error. */
export function unreadableFileMessage(path: string, err: unknown): string | undefined {
  const { code, syscall } = (err ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string' || syscall === undefined) return undefined;
  if (code === 'ENOENT') return `file not found: ${path}`;
  if (code === 'EISDIR') return `not a file but a folder: ${path}`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${path}`;
  return `cannot read ${path} (${code})`;
}

/** `read(path)`, where a file that cannot be opened ends the command with exit 2 and a plain message. */
export async function readUserFile<T>(path: string, read: (path: string) => Promise<T>): Promise<T> {
  try {
    return await read(path);
  } catch (err) {
    const message = unreadableFileMessage(path, err);
    throw message === undefined ? err : new ConfigError(message);
  }
}
