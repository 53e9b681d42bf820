/**
 * Progress of a batch: a redrawn line on a terminal, plain periodic lines otherwise, and a closing summary of the
 * rows per status. Each redraw erases the whole line first (CR, then ESC[2K), so a shorter line never leaves the
 * tail of a longer one behind.
 */

export interface ProgressCounts {
  total: number;
  done: number;
  failed: number;
  inFlight: number;
}

const PLAIN_INTERVAL_MS = 5_000;

/** Back to the start of the line and erase all of it (ECMA-48 EL 2). */
const ERASE_LINE = '\r\x1b[2K';

export class ProgressReporter {
  private readonly started = Date.now();
  private lastPlain = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly counts: ProgressCounts,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.render(), this.out.isTTY ? 250 : 1_000);
    this.timer.unref();
  }

  private line(): string {
    const { total, done, failed, inFlight } = this.counts;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? `${Math.ceil((total - done) / rate)}s` : '?';
    return `${done}/${total} done, ${failed} not completed, ${inFlight} in flight, ${rate.toFixed(1)} rows/s, ETA ${eta}`;
  }

  render(): void {
    if (this.out.isTTY) {
      const width = Math.max(20, (this.out.columns ?? 100) - 1);
      const { total, done } = this.counts;
      const filled = total ? Math.round((done / total) * 20) : 0;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
      this.out.write(`${ERASE_LINE}${`${bar} ${this.line()}`.slice(0, width)}`);
    } else if (Date.now() - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = Date.now();
      this.out.write(`progress: ${this.line()}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.out.isTTY) this.out.write(`${ERASE_LINE}${this.line()}\n`);
  }
}

/** Counts one more row (or workflow) with this status. */
export function countStatus(counts: Map<string, number>, status: string): void {
  counts.set(status, (counts.get(status) ?? 0) + 1);
}

/** Rows (or workflows) per status. */
export function statusCounts(statuses: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const status of statuses) countStatus(counts, status);
  return counts;
}

/** The closing table: one line per status. */
export function summaryTable(byStatus: Map<string, number>, seconds: number): string {
  const rows = [...byStatus.entries()].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  const lines = ['status        rows', '------------  ------'];
  for (const [status, n] of rows) lines.push(`${status.padEnd(12)}  ${String(n).padStart(6)}`);
  lines.push(`${'total'.padEnd(12)}  ${String(total).padStart(6)}   (${seconds.toFixed(1)} s)`);
  return lines.join('\n');
}
