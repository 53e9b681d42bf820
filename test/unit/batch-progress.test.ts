/**
 * The progress line of a batch (batch/progress.ts) as a terminal shows it: every redraw replaces the whole line, so
 * a shorter line never leaves the tail of a longer earlier one behind (seen as `… ETA 0sht, 11.8 rows/s, ETA 1s`).
 */
import { describe, expect, it } from 'vitest';
import { ProgressReporter, type ProgressCounts } from '../../batch/progress';

/** Just enough of a terminal: CR, LF, ESC[2K (erase the line), ESC[K (erase to its end), and overwriting text. */
class FakeTerminal {
  readonly isTTY = true;
  readonly columns = 120;
  private lines: string[] = [''];
  private col = 0;

  write(chunk: string): boolean {
    // eslint-disable-next-line no-control-regex -- the sequences a progress line writes
    for (const [token] of chunk.matchAll(/\x1b\[[0-9]*K|[\s\S]/g)) {
      const row = this.lines.length - 1;
      if (token === '\r') this.col = 0;
      else if (token === '\n') {
        this.lines.push('');
        this.col = 0;
      } else if (token === '\x1b[2K') this.lines[row] = '';
      else if (token.startsWith('\x1b[')) this.lines[row] = this.lines[row]!.slice(0, this.col);
      else {
        const line = this.lines[row]!.padEnd(this.col);
        this.lines[row] = line.slice(0, this.col) + token + line.slice(this.col + 1);
        this.col += 1;
      }
    }
    return true;
  }

  /** The screen's lines, without the trailing blanks a terminal does not show. */
  screen(): string[] {
    return this.lines.map((line) => line.trimEnd());
  }
}

describe('ProgressReporter on a terminal', () => {
  it('leaves only the final line when it is shorter than the progress bar line before it', () => {
    const terminal = new FakeTerminal();
    const counts: ProgressCounts = { total: 400, done: 0, failed: 0, inFlight: 50 };
    const progress = new ProgressReporter(counts, terminal as unknown as NodeJS.WriteStream);
    progress.render();
    counts.done = 400;
    counts.inFlight = 0;
    progress.stop();
    const screen = terminal.screen();
    expect(screen).toHaveLength(2);
    expect(screen[0]).toMatch(/^400\/400 done, 0 not completed, 0 in flight, [\d.]+ rows\/s, ETA \S+$/);
    expect(screen[1]).toBe('');
  });

  it('redraws a shorter line over a longer one without a tail', () => {
    const terminal = new FakeTerminal();
    const counts: ProgressCounts = { total: 100_000, done: 99_999, failed: 12_345, inFlight: 1_000 };
    const progress = new ProgressReporter(counts, terminal as unknown as NodeJS.WriteStream);
    progress.render();
    Object.assign(counts, { total: 1, done: 0, failed: 0, inFlight: 0 });
    progress.render();
    expect(terminal.screen()).toEqual([
      expect.stringMatching(/^\[\.{20}\] 0\/1 done, 0 not completed, 0 in flight, 0\.0 rows\/s, ETA \?$/),
    ]);
  });
});
