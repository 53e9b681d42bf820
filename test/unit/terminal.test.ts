/**
 * safeForTerminal (common/terminal.ts): text from the API or a file, printed by the CLI, cannot drive the terminal:
 * no colours, links, window titles, cursor moves, overwriting or reordered (bidi) text; what the text says stays.
 */
import { describe, expect, it } from 'vitest';
import { safeForTerminal } from '../../common/terminal';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

describe('safeForTerminal', () => {
  it('removes CSI sequences: colours, cursor moves, clearing the screen', () => {
    expect(safeForTerminal(`${ESC}[31mred${ESC}[0m and ${ESC}[1;32;40mgreen${ESC}[m`)).toBe('red and green');
    expect(safeForTerminal(`before${ESC}[2J${ESC}[H${ESC}[3Aafter`)).toBe('beforeafter');
    expect(safeForTerminal(`${ESC}[?25lhidden cursor${ESC}[?25h`)).toBe('hidden cursor');
  });

  it('removes an OSC 8 hyperlink, keeping its visible text, whether it ends with ST or BEL', () => {
    const link = `${ESC}]8;;https://evil.example/${ST}the intranet${ESC}]8;;${ST}`;
    expect(safeForTerminal(`Open ${link}.`)).toBe('Open the intranet.');
    const belLink = `${ESC}]8;id=1;https://evil.example/${BEL}click${ESC}]8;;${BEL}`;
    expect(safeForTerminal(`${belLink} here`)).toBe('click here');
  });

  it('removes a window title set (OSC 0/2), title and all', () => {
    expect(safeForTerminal(`${ESC}]0;you have been owned${BEL}answer`)).toBe('answer');
    expect(safeForTerminal(`${ESC}]2;a title with spaces${ST}answer`)).toBe('answer');
  });

  it('removes other escape sequences and the C1 forms of CSI and OSC', () => {
    expect(safeForTerminal(`${ESC}cfresh${ESC}7saved${ESC}8${ESC}(B`)).toBe('freshsaved');
    expect(safeForTerminal('\u009b31mred\u009b0m')).toBe('red');
    expect(safeForTerminal('\u009d0;title\u009cbody')).toBe('body');
    expect(safeForTerminal(`${ESC}P1$r0m${ST}device control`)).toBe('device control');
  });

  it('removes BEL, backspace, CR, NUL, DEL and the C1 controls', () => {
    expect(safeForTerminal(`ding${BEL}`)).toBe('ding');
    expect(safeForTerminal('passw\b\b\b\b\b\bnothing')).toBe('passwnothing');
    expect(safeForTerminal('all is fine\rall is lost')).toBe('all is fineall is lost');
    expect(safeForTerminal('nul\u0000 del\u007f c1\u0085\u0090\u009f')).toBe('nul del c1');
  });

  it('removes bidi embeddings, overrides and isolates (Trojan Source)', () => {
    expect(safeForTerminal('access \u202Enimda\u202C granted')).toBe('access nimda granted');
    expect(safeForTerminal('\u2066\u2067\u2068a\u2069\u202A\u202B\u202Db')).toBe('ab');
  });

  it('keeps line feeds with keepNewlines (CRLF becomes LF), and makes tabs spaces', () => {
    expect(safeForTerminal('line 1\r\nline 2\n\tindented', { keepNewlines: true })).toBe('line 1\nline 2\n indented');
  });

  it('puts text on one line without keepNewlines', () => {
    expect(safeForTerminal('a question\non two lines\tand a tab')).toBe('a question on two lines and a tab');
  });

  it('leaves ordinary text alone, Unicode included', () => {
    const text = 'Réponse: 42 € — 東京 🙂 [1] (see https://kb.example/a?b=c&d=e) 100%';
    expect(safeForTerminal(text)).toBe(text);
    expect(safeForTerminal('[31m is not an escape without ESC')).toBe('[31m is not an escape without ESC');
  });

  it('shows the text of an unterminated OSC rather than dropping the rest', () => {
    expect(safeForTerminal(`${ESC}]0;no terminator`)).toBe('0;no terminator');
  });
});
