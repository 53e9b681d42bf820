/**
 * The checks of an evaluation run (evaluation/checks.ts) and the answer key (evaluation/normalise.ts): each kind
 * of check passing and failing, with the reasons a person reads in the report.
 */
import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../evaluation/checks';
import { answerKey, normaliseAnswer } from '../../evaluation/normalise';
import type { CheckedOutcome, RowChecks } from '../../evaluation/types';

const ANSWER = 'Open the VPN portal at https://vpn.example.com and sign in.\nYour ticket #4521 was created.';

function outcome(overrides: Partial<CheckedOutcome> = {}): CheckedOutcome {
  return { status: 'COMPLETED', answer: ANSWER, citations: [], latencyMs: 1200, ...overrides };
}

/** The reasons of the failed checks: what the report shows. */
const reasons = (checks: RowChecks, turn: CheckedOutcome = outcome()) =>
  evaluateChecks(checks, turn).map((failed) => failed.reason);

describe('evaluateChecks: expect_status', () => {
  it('passes a completed turn with no checks at all', () => {
    expect(evaluateChecks({}, outcome())).toEqual([]);
  });

  it('expects COMPLETED by default, and reports only the status when it differs', () => {
    const failed = evaluateChecks({ contains: ['nowhere'], maxLatencyMs: 10 }, outcome({ status: 'TIMED_OUT' }));
    expect(failed).toEqual([{ check: 'expect_status', reason: 'expect_status COMPLETED: got TIMED_OUT' }]);
  });

  it('passes an expected failure, and still runs the other checks on its answer', () => {
    const failed = outcome({ status: 'FAILED', answer: 'I cannot help with that.' });
    expect(reasons({ status: 'FAILED' }, failed)).toEqual([]);
    expect(reasons({ status: 'FAILED', contains: ['cannot help'] }, failed)).toEqual([]);
    expect(reasons({ status: 'FAILED', contains: ['sorry'] }, failed)).toEqual(['expect_contains "sorry": not found']);
    expect(reasons({ status: 'ERROR' }, outcome())).toEqual(['expect_status ERROR: got COMPLETED']);
  });
});

describe('evaluateChecks: expect_contains and expect_not_contains', () => {
  it('finds every value, ignoring case and how whitespace runs', () => {
    expect(reasons({ contains: ['vpn portal', 'SIGN IN. your ticket'] })).toEqual([]);
  });

  it('reports each value not found, with its column', () => {
    expect(evaluateChecks({ contains: ['VPN portal', 'password', 'helpdesk'] }, outcome())).toEqual([
      { check: 'expect_contains', reason: 'expect_contains "password": not found' },
      { check: 'expect_contains', reason: 'expect_contains "helpdesk": not found' },
    ]);
  });

  it('reports each forbidden value found', () => {
    expect(reasons({ notContains: ['password', 'Ticket #4521'] })).toEqual([
      'expect_not_contains "Ticket #4521": found',
    ]);
    expect(reasons({ notContains: ['password'] })).toEqual([]);
  });

  it('compares case when case_sensitive', () => {
    expect(reasons({ contains: ['vpn portal'], caseSensitive: true })).toEqual([
      'expect_contains "vpn portal": not found',
    ]);
    expect(reasons({ contains: ['VPN portal'], caseSensitive: true })).toEqual([]);
    expect(reasons({ notContains: ['open the'], caseSensitive: true })).toEqual([]);
  });
});

describe('evaluateChecks: expect_regex', () => {
  it('passes a match anywhere in the answer, ignoring case by default', () => {
    expect(reasons({ regex: 'TICKET #\\d+' })).toEqual([]);
    expect(reasons({ regex: '^your ticket' })).toEqual(['expect_regex /^your ticket/: no match']);
    expect(reasons({ regex: '\\.\\n[A-Z]' })).toEqual([]);
  });

  it('reports no match', () => {
    expect(reasons({ regex: 'ticket #\\d+' }, outcome({ answer: 'No ticket was created.' }))).toEqual([
      'expect_regex /ticket #\\d+/: no match',
    ]);
  });

  it('compares case when case_sensitive, and understands Unicode classes (flag u)', () => {
    expect(reasons({ regex: 'TICKET #\\d+', caseSensitive: true })).toEqual(['expect_regex /TICKET #\\d+/: no match']);
    expect(reasons({ regex: '^\\p{Lu}' }, outcome({ answer: 'Émile' }))).toEqual([]);
  });

  it('fails, with the engine message, a regex that does not compile', () => {
    const [reason] = reasons({ regex: '(' });
    expect(reason).toMatch(/^expect_regex \/\(\/: does not compile \(Invalid regular expression: .*\)$/);
  });

  it('gives up on a pattern that backtracks catastrophically instead of blocking the worker', () => {
    // Unbounded, this match takes minutes (2^40 ways to split the x's): the test would time out.
    const failed = reasons({ regex: '^(x+x+)+y$' }, outcome({ answer: 'x'.repeat(40) }));
    expect(failed).toEqual(['expect_regex /^(x+x+)+y$/: gave up after 1 s (the pattern backtracks too much)']);
  });
});

describe('evaluateChecks: expect_equals', () => {
  it('passes the same text after whitespace and case normalisation', () => {
    expect(reasons({ equals: 'yes, it is.' }, outcome({ answer: '  Yes,\n  it IS. ' }))).toEqual([]);
  });

  it('reports what it got', () => {
    expect(reasons({ equals: 'Yes.' }, outcome({ answer: 'No.\n' }))).toEqual(['expect_equals "Yes.": got "No."']);
  });

  it('compares case when case_sensitive', () => {
    expect(reasons({ equals: 'yes', caseSensitive: true }, outcome({ answer: 'Yes' }))).toEqual([
      'expect_equals "yes": got "Yes"',
    ]);
  });
});

describe('evaluateChecks: expect_cites', () => {
  const citing = (...urls: string[]) => outcome({ citations: urls.map((url) => ({ url, title: 'KB' })) });

  it('any: passes with a citation, fails without', () => {
    expect(reasons({ cites: ['any'] }, outcome({ citations: [{ title: 'no url' }] }))).toEqual([]);
    expect(reasons({ cites: ['any'] }, outcome())).toEqual(['expect_cites any: no citations']);
  });

  it('a domain: cited by a URL on it or on one of its subdomains, not by a look-alike', () => {
    const turn = citing('https://www.kb.example.com/articles/1', 'https://KB.Other.org/x');
    expect(reasons({ cites: ['kb.example.com', 'example.com', 'kb.other.org'] }, turn)).toEqual([]);
    const lookAlikes = citing('https://notexample.com/', 'https://example.com.evil.io/', 'not a url');
    expect(reasons({ cites: ['example.com'] }, lookAlikes)).toEqual(['expect_cites "example.com": not cited']);
  });

  it('a URL: cited by a URL it is a prefix of', () => {
    const turn = citing('https://KB.example.com/articles/vpn-setup?lang=en');
    expect(reasons({ cites: ['https://kb.example.com/articles/', 'https://kb.example.com'] }, turn)).toEqual([]);
    expect(reasons({ cites: ['https://kb.example.com/policies/'] }, turn)).toEqual([
      'expect_cites "https://kb.example.com/policies/": not cited',
    ]);
    // The origin with its slash: kb.example.com.evil.io does not start with it
    expect(reasons({ cites: ['https://kb.example.com'] }, citing('https://kb.example.com.evil.io/'))).toEqual([
      'expect_cites "https://kb.example.com": not cited',
    ]);
  });

  it('reports each value not cited', () => {
    expect(reasons({ cites: ['kb.example.com', 'hr.example.com'] }, citing('https://kb.example.com/a'))).toEqual([
      'expect_cites "hr.example.com": not cited',
    ]);
  });
});

describe('evaluateChecks: max_latency_ms', () => {
  it('passes up to the limit, fails above it', () => {
    expect(reasons({ maxLatencyMs: 2000 }, outcome({ latencyMs: 2000 }))).toEqual([]);
    expect(reasons({ maxLatencyMs: 2000 }, outcome({ latencyMs: 3150 }))).toEqual(['max_latency_ms 2000: took 3150']);
  });

  it('fails when no latency was measured', () => {
    expect(reasons({ maxLatencyMs: 2000 }, outcome({ latencyMs: undefined }))).toEqual([
      'max_latency_ms 2000: no latency measured',
    ]);
  });
});

describe('evaluateChecks: reference_answer and min_similarity', () => {
  it('passes a score at or above the minimum', () => {
    expect(reasons({ reference: 'a b c d e', minSimilarity: 0.4 }, outcome({ answer: 'a b x y z' }))).toEqual([]);
  });

  it('reports the score, to 2 decimals', () => {
    expect(reasons({ reference: 'a b c d e', minSimilarity: 0.8 }, outcome({ answer: 'a b x y z' }))).toEqual([
      'min_similarity 0.80: scored 0.40',
    ]);
  });

  it('rounds a failing score down, so it never shows as the minimum', () => {
    // 2 of 3 in common: 0.666…
    expect(reasons({ reference: 'a b c', minSimilarity: 0.67 }, outcome({ answer: 'a b d' }))).toEqual([
      'min_similarity 0.67: scored 0.66',
    ]);
  });
});

describe('evaluateChecks: reasons', () => {
  it('quote at most 80 characters of a value, and escape line breaks', () => {
    const long = 'x'.repeat(200);
    const [reason] = reasons({ contains: [long] });
    expect(reason).toBe(`expect_contains "${'x'.repeat(80)}…": not found`);
    expect(reasons({ contains: ['two\nlines'] })).toEqual(['expect_contains "two\\nlines": not found']);
  });

  it('list every failure of a turn, in column order', () => {
    const checks: RowChecks = {
      contains: ['password'],
      notContains: ['VPN'],
      regex: 'refund',
      cites: ['any'],
      maxLatencyMs: 1000,
    };
    expect(evaluateChecks(checks, outcome()).map((failed) => failed.check)).toEqual([
      'expect_contains',
      'expect_not_contains',
      'expect_regex',
      'expect_cites',
      'max_latency_ms',
    ]);
  });
});

describe('normaliseAnswer and answerKey', () => {
  it('normalise: NFKC, whitespace runs as one space, trimmed, lower-cased', () => {
    expect(normaliseAnswer('  Hello\u00A0\n\t ＷＯＲＬＤ  ')).toBe('hello world');
  });

  it('key: 16 hex characters of the sha256 of the normalised answer', () => {
    // sha256("hello world") = b94d27b9934d3e08a52e…
    expect(answerKey('Hello   World\n')).toBe('b94d27b9934d3e08');
  });

  it('key: the same for answers that differ only in case and spacing, different otherwise', () => {
    expect(answerKey('Open the VPN portal.')).toBe(answerKey('open  the\nvpn portal.'));
    expect(answerKey('Open the VPN portal.')).not.toBe(answerKey('Open the VPN portal!'));
  });
});
