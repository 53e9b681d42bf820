/** Files replaced whole: written to a temporary name, fsynced, renamed over the old one. */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const FLUSH_CHARS = 1 << 20;

/** Writes every byte: a single write() may write fewer bytes than asked. */
export async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done);
    done += bytesWritten;
  }
}

/** A rename is durable only once the folder itself is synced (not possible on Windows, where it is skipped). */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

export function tempPath(path: string): string {
  return `${path}.tmp`;
}

/** Text written in large buffered writes to `<path>.tmp`; commit() makes it `path` (fsync + rename). */
export class AtomicFile {
  private parts: string[] = [];
  private chars = 0;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    return new AtomicFile(path, await open(tempPath(path), 'w'));
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars >= FLUSH_CHARS) await this.flush();
  }

  /** Syncs and closes the temporary file and renames it; the caller syncs the folder. */
  async commit(): Promise<void> {
    await this.flush();
    await this.file.sync();
    await this.file.close();
    await rename(tempPath(this.path), this.path);
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(tempPath(this.path), { force: true });
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.chars = 0;
    await writeAll(this.file, data);
  }
}

/** Writes a whole file atomically with `produce`. */
export async function writeFileAtomic(path: string, produce: (out: AtomicFile) => Promise<void>): Promise<void> {
  const out = await AtomicFile.create(path);
  try {
    await produce(out);
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  await syncDir(dirname(path));
}
