/**
 * The conversation title carries the exactly-once marker within the API's 256 characters; the cut must never
 * split a character, or a strict server refuses the title and the whole conversation fails.
 */
import { describe, expect, it } from 'vitest';
import { conversationMarker, titleWithMarker } from '../../activities/reconcile';

const marker = conversationMarker('batch/c1', 'run-1');
const hasLoneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('titleWithMarker', () => {
  it('keeps a short title whole, followed by the marker', () => {
    expect(titleWithMarker('VPN  help\n', marker)).toBe(`VPN help ${marker}`);
  });

  it.each([0, 1, 2, 3])('never splits an emoji at the cut (offset %i)', (offset) => {
    // An emoji (a surrogate pair) placed across every possible cut position around the limit.
    const title = `${'a'.repeat(230 + offset)}😀😀😀 and more text after the limit ${'b'.repeat(40)}`;
    const result = titleWithMarker(title, marker);
    expect(result.length).toBeLessThanOrEqual(256);
    expect(hasLoneSurrogate(result)).toBe(false);
    expect(result.endsWith(` ${marker}`)).toBe(true);
    expect(result).toContain('…');
  });

  it('keeps an emoji sequence (family, flags) whole or drops it whole', () => {
    for (let pad = 225; pad < 240; pad++) {
      const result = titleWithMarker(`${'x'.repeat(pad)}👨‍👩‍👧‍👦🇫🇷 ${'y'.repeat(50)}`, marker);
      const text = result.slice(0, result.indexOf('…'));
      expect(hasLoneSurrogate(result)).toBe(false);
      expect(text.endsWith('\u200d')).toBe(false);
      expect(result.length).toBeLessThanOrEqual(256);
    }
  });
});
