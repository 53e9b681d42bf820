/**
 * Text safe to print on a terminal. Answers, questions, titles, ids and error messages come from the API, from the
 * user's files or from Temporal: printed as they are, an escape sequence in them could recolour or clear the
 * screen, set the window title, show a link that goes somewhere else than it says (OSC 8), or rewrite what was
 * printed before (CR, backspace); a bidi override could make text read differently from what it is (Trojan
 * Source). safeForTerminal takes all of that out; the CLI calls it where it prints such text. Files (results.csv,
 * results.jsonl) keep the text as it came.
 *
 * Our own regular expressions rather than a library: strip-ansi / ansi-regex are only in node_modules as
 * dependencies of dependencies, and Node's util.stripVTControlCharacters (built on ansi-regex) changes with the
 * Node version and removes only part of an OSC whose text holds a space (a window title, say), leaving the rest;
 * neither removes lone control characters nor bidi overrides. The sequences follow ECMA-48 / the VT100 family.
 */

/**
 * Control strings, removed whole when terminated: OSC (ESC ] or U+009D: window titles, OSC 8 hyperlinks,
 * clipboard), DCS (ESC P / U+0090), SOS (ESC X / U+0098), PM (ESC ^ / U+009E), APC (ESC _ / U+009F). Their text
 * ends at BEL or ST (ESC \ or U+009C). One with no terminator loses only its introducer (the alternatives below).
 */
const CONTROL_STRING = String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)`;
/** CSI (ESC [ or U+009B: colours, cursor moves, clearing): parameter bytes, intermediate bytes, a final byte. */
const CSI = String.raw`(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?`;
/** Any other escape sequence: ESC, intermediate bytes, a final byte (ESC c reset, ESC 7 save cursor, ESC ( B...). */
const OTHER_ESCAPE = String.raw`\x1b[\x20-\x2f]*[\x30-\x7e]?`;
const ESCAPE_SEQUENCE = new RegExp(`${CONTROL_STRING}|${CSI}|${OTHER_ESCAPE}`, 'g');

/**
 * What is left after the sequences: C0 controls but tab and LF (NUL, BEL, backspace, CR, ...), DEL, C1 controls
 * (U+0080–U+009F) and the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text without escape sequences, control characters or bidi overrides; a tab becomes a space. Line feeds are
 * kept with `keepNewlines` (an answer, a multi-line message), otherwise each becomes a space (one line of output).
 */
export function safeForTerminal(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(CONTROL, '')
    .replace(options.keepNewlines ? /\t/g : /[\t\n]/g, ' ');
}
