/**
 * The similarity of an answer to a reference answer (evaluation/similarity.ts): the token F1 behind the
 * `min_similarity` check, with the scores a suite author can work out by hand.
 */
import { describe, expect, it } from 'vitest';
import { similarity, tokens } from '../../evaluation/similarity';

describe('similarity', () => {
  it('is 1 for the same words, whatever their case, punctuation, spacing or order', () => {
    expect(similarity('Reset your password at the portal.', 'reset your password at the portal')).toBe(1);
    expect(similarity('VPN-Portal!', '  vpn\n portal ')).toBe(1);
    expect(similarity('portal vpn', 'vpn portal')).toBe(1);
  });

  it('is 2·common / (answer tokens + reference tokens)', () => {
    // 3 tokens in common; the answer has 3, the reference 5: 6/8
    expect(similarity('the vpn portal', 'open the vpn portal now')).toBe(0.75);
    expect(similarity('open the vpn portal now', 'the vpn portal')).toBe(0.75);
    // 2 of 5 in common on both sides: 4/10
    expect(similarity('a b x y z', 'a b c d e')).toBe(0.4);
  });

  it('counts a repeated word only as often as the other text has it', () => {
    // "the" ×3 against "the" ×1: one in common, 2/4
    expect(similarity('the the the', 'the')).toBe(0.5);
  });

  it('is 0 without a word in common, and when only one side has words', () => {
    expect(similarity('completely different', 'nothing shared here')).toBe(0);
    expect(similarity('', 'the vpn portal')).toBe(0);
    expect(similarity('the vpn portal', '   ')).toBe(0);
  });

  it('is 1 when neither side has a word', () => {
    expect(similarity('', '')).toBe(1);
    expect(similarity('!!!', ' - ')).toBe(1);
  });

  it('treats full-width letters and ligatures as their plain forms (NFKC)', () => {
    expect(similarity('ＶＰＮ ﬁle', 'vpn file')).toBe(1);
  });

  it('keeps combining marks in their word and splits Chinese and Japanese into characters', () => {
    expect(tokens('नमस्ते दुनिया')).toEqual(['नमस्ते', 'दुनिया']);
    expect(tokens('VPN接続 ok')).toEqual(['vpn', '接', '続', 'ok']);
    // 4 of the 5 characters are the reference's 4: 8/9
    expect(similarity('請重置密碼', '重置密碼')).toBeCloseTo(8 / 9, 12);
  });
});
