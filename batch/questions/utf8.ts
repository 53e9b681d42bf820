/**
 * The first step of reading a question file: a byte-level UTF-8 check run on the raw bytes before csv-parse sees
 * them. csv-parse would silently decode Latin-1 or UTF-16 bytes into replacement characters, and the user would get
 * answers to garbled questions; this check names the lines that are not UTF-8, and stops the read at bytes that are
 * not text at all.
 */

export const NOT_UTF8 = 'not valid UTF-8 (save the file as UTF-8)';

interface FatalEncoding {
  line: number;
  message: string;
}

export class Utf8Check {
  /** Physical lines (CRLF, LF or a lone CR end one) holding an invalid byte sequence. */
  readonly badLines = new Set<number>();
  /** Set when the bytes are not text at all (UTF-16, binary): nothing after it is parsed. */
  fatal?: FatalEncoding;

  private line = 1;
  private prevCR = false;
  private first = true;
  private need = 0; // continuation bytes still expected
  private lower = 0x80; // allowed range of the next continuation byte (rules out overlongs and surrogates)
  private upper = 0xbf;

  /** Checks a chunk; returns how many of its bytes may be parsed (all, or those before a fatal byte). */
  feed(chunk: Buffer): number {
    if (this.fatal) return 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        this.fatal = { line: 1, message: 'not valid UTF-8: the file is UTF-16 (save the file as UTF-8)' };
        return 0;
      }
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.need > 0) {
        if (b >= this.lower && b <= this.upper) {
          this.need -= 1;
          this.lower = 0x80;
          this.upper = 0xbf;
          continue;
        }
        this.badLines.add(this.line);
        this.need = 0; // the byte may start a new sequence: examine it as a lead byte
        this.lower = 0x80;
        this.upper = 0xbf;
      }
      if (b === 0) {
        this.fatal = {
          line: this.line,
          message:
            'not valid UTF-8: NUL bytes, the file looks binary or UTF-16 (save the file as UTF-8); the rest of the file was not checked',
        };
        return i;
      }
      if (b < 0x80) {
        if (b === 0x0d) this.line += 1;
        else if (b === 0x0a && !this.prevCR) this.line += 1;
        this.prevCR = b === 0x0d;
        continue;
      }
      this.prevCR = false;
      if (b >= 0xc2 && b <= 0xdf) {
        this.need = 1;
      } else if (b >= 0xe0 && b <= 0xef) {
        this.need = 2;
        if (b === 0xe0) this.lower = 0xa0;
        if (b === 0xed) this.upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        this.need = 3;
        if (b === 0xf0) this.lower = 0x90;
        if (b === 0xf4) this.upper = 0x8f;
      } else {
        this.badLines.add(this.line);
      }
    }
    return chunk.length;
  }

  /** At the end of the file: a multi-byte sequence cut short is invalid too. */
  end(): void {
    if (this.need > 0 && !this.fatal) this.badLines.add(this.line);
    this.need = 0;
  }

  /** Whether any of the physical lines from..to holds an invalid byte. */
  hasBadLine(from: number, to: number): boolean {
    if (this.badLines.size === 0) return false;
    for (let line = from; line <= to; line++) if (this.badLines.has(line)) return true;
    return false;
  }
}
