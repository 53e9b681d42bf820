/**
 * Reading an evaluation suite (evaluation/suite.ts): check columns parsed into each row's checks, and every
 * problem in them reported at its line and column, from suite files written to a temporary folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../evaluation/checks';
import { conversationsOf } from '../../evaluation/run-input';
import { formatSuiteProblems, readSuite, suiteName, type Suite } from '../../evaluation/suite';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function read(content: string, fileName = 'suite.csv'): Promise<Suite> {
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-suite-'));
  dirs.push(dir);
  const path = join(dir, fileName);
  await writeFile(path, content);
  return readSuite(path);
}

/** The problems as `line:column: message`, the way the CLI prints them after the path. */
const printed = (suite: Suite) => formatSuiteProblems('suite.csv', suite.problems).map((line) => line.slice(10));

describe('readSuite reads the checks', () => {
  it('of every column into each row', async () => {
    const suite = await read(
      [
        'id,question,expect_contains,expect_not_contains,expect_regex,expect_equals,expect_cites,expect_status,max_latency_ms,reference_answer,min_similarity,case_sensitive,tags,owner',
        'vpn,How do I connect to the VPN?,VPN portal | sign in |,password,ticket #\\d+,,kb.example.com | https://kb.example.com/vpn,,2000,Open the VPN portal and sign in.,0.8,yes,"it, vpn | smoke, it",ops',
        'hi,Say yes,,,,Yes,,FAILED,,,,,,',
      ].join('\n'),
    );
    expect(suite.problems).toEqual([]);
    expect(suite.name).toBe('suite');
    expect(
      suite.rows.map(({ rowId, line, checks, tags, extra }) => ({ rowId, line, checks, tags, owner: extra.owner })),
    ).toEqual([
      {
        rowId: 'vpn',
        line: 2,
        checks: {
          contains: ['VPN portal', 'sign in'],
          notContains: ['password'],
          regex: 'ticket #\\d+',
          cites: ['kb.example.com', 'https://kb.example.com/vpn'],
          maxLatencyMs: 2000,
          reference: 'Open the VPN portal and sign in.',
          minSimilarity: 0.8,
          caseSensitive: true,
        },
        tags: ['it', 'vpn', 'smoke'],
        owner: 'ops',
      },
      { rowId: 'hi', line: 3, checks: { equals: 'Yes', status: 'FAILED' }, tags: [], owner: '' },
    ]);
  });

  it('from columns named in any case and with spaces around', async () => {
    const suite = await read('question, Expect_Contains ,EXPECT_STATUS,Case_Sensitive\nHi?,hello,timed_out,FALSE\n');
    expect(suite.problems).toEqual([]);
    expect(suite.rows[0]?.checks).toEqual({ contains: ['hello'], status: 'TIMED_OUT' });
  });

  it('that run as written: case_sensitive reaches the regex', async () => {
    const suite = await read('question,expect_regex,case_sensitive\nA?,^VPN,true\nB?,^VPN,\n');
    const answer = { status: 'COMPLETED' as const, answer: 'vpn portal', citations: [] };
    expect(suite.rows.map((row) => evaluateChecks(row.checks, answer).length)).toEqual([1, 0]);
  });
});

describe('readSuite reports problems at their line and column', () => {
  it('an unknown expect_ column, on line 1, with the header name as written', async () => {
    const suite = await read('question,Expect_Contain,notes\nHi?,hello,free text\n');
    expect(printed(suite)).toEqual([
      '1:Expect_Contain: unknown check column "Expect_Contain" (known: expect_contains, expect_not_contains, expect_regex, expect_equals, expect_cites, expect_status, max_latency_ms, reference_answer, min_similarity, case_sensitive, tags)',
    ]);
  });

  it('a regex that does not compile, with the engine message', async () => {
    const suite = await read('question,expect_regex\nfine?,ok\nbroken?,(unclosed\n');
    expect(printed(suite)).toHaveLength(1);
    expect(printed(suite)[0]).toMatch(/^3:expect_regex: Invalid regular expression: \/\(unclosed\/iu: .+/);
    expect(suite.rows.map((row) => row.question)).toEqual(['fine?']);
  });

  it('a long regex that does not compile, quoted short', async () => {
    const suite = await read(`question,expect_regex\nbroken?,(${'a'.repeat(300)}\n`);
    expect(printed(suite)[0]).toContain(`/(${'a'.repeat(79)}…/iu`);
    expect(printed(suite)[0]!.length).toBeLessThan(200);
  });

  it('min_similarity without reference_answer, and the other way round', async () => {
    const suite = await read('question,reference_answer,Min_Similarity\nA?,the answer,\nB?,,0.5\nC?,the answer,0.5\n');
    expect(printed(suite)).toEqual([
      '2:Min_Similarity: required with reference_answer (give both or neither)',
      '3:reference_answer: required with min_similarity (give both or neither)',
    ]);
    expect(suite.rows.map((row) => row.question)).toEqual(['C?']);
  });

  it('reference_answer in a suite without a min_similarity column', async () => {
    const suite = await read('question,reference_answer\nA?,the answer\n');
    expect(printed(suite)).toEqual(['2:min_similarity: required with reference_answer (give both or neither)']);
  });

  it('min_similarity that is not a number from 0 to 1', async () => {
    const suite = await read(
      'question,reference_answer,min_similarity\nA?,x,1.5\nB?,x,high\nC?,x,-0.1\nD?,x,.75\nE?,x,1\nF?,x,0\n',
    );
    expect(printed(suite)).toEqual([
      '2:min_similarity: "1.5" is not a number from 0 to 1',
      '3:min_similarity: "high" is not a number from 0 to 1',
      '4:min_similarity: "-0.1" is not a number from 0 to 1',
    ]);
    expect(suite.rows.map((row) => row.checks.minSimilarity)).toEqual([0.75, 1, 0]);
  });

  it('max_latency_ms that is not a positive whole number', async () => {
    const suite = await read('question,max_latency_ms\nA?,0\nB?,2.5\nC?,2000ms\nD?,-1\nE?,2000\n');
    expect(printed(suite)).toEqual([
      '2:max_latency_ms: "0" is not a positive whole number of milliseconds',
      '3:max_latency_ms: "2.5" is not a positive whole number of milliseconds',
      '4:max_latency_ms: "2000ms" is not a positive whole number of milliseconds',
      '5:max_latency_ms: "-1" is not a positive whole number of milliseconds',
    ]);
    expect(suite.rows.map((row) => row.checks.maxLatencyMs)).toEqual([2000]);
  });

  it('expect_status that is not a status a turn can end with', async () => {
    const suite = await read('question,expect_status\nA?,DONE\nB?,CANCELLED\nC?,error\n');
    expect(printed(suite)).toEqual([
      '2:expect_status: "DONE" is not one of COMPLETED, FAILED, TIMED_OUT, ERROR',
      '3:expect_status: "CANCELLED" is not one of COMPLETED, FAILED, TIMED_OUT, ERROR',
    ]);
    expect(suite.rows.map((row) => row.checks.status)).toEqual(['ERROR']);
  });

  it('case_sensitive that is not a yes or a no', async () => {
    const suite = await read('question,case_sensitive\nA?,maybe\nB?,No\nC?,1\n');
    expect(printed(suite)).toEqual(['2:case_sensitive: "maybe" is not one of true, false, yes, no, 1, 0']);
    expect(suite.rows.map((row) => row.checks.caseSensitive)).toEqual([undefined, true]);
  });

  it('expect_cites values that are neither a URL, a domain nor any', async () => {
    const suite = await read('question,expect_cites\nA?,kb.example.com/vpn | any\nB?,https:// | ANY\n');
    expect(printed(suite)).toEqual([
      '2:expect_cites: "kb.example.com/vpn" is not a URL (with ://), a domain (kb.example.com) or any',
      '3:expect_cites: "https://" is not a URL (with ://), a domain (kb.example.com) or any',
    ]);
  });

  it('with the question file problems, in line order, leaving out only the rows with problems', async () => {
    const suite = await read('question,max_latency_ms,expect_bogus\nA?,soon,\n   ,100,\nC?,100,\n');
    expect(printed(suite)).toEqual([
      '1:expect_bogus: unknown check column "expect_bogus" (known: expect_contains, expect_not_contains, expect_regex, expect_equals, expect_cites, expect_status, max_latency_ms, reference_answer, min_similarity, case_sensitive, tags)',
      '2:max_latency_ms: "soon" is not a positive whole number of milliseconds',
      '3:question: question is empty',
    ]);
    expect(suite.rows.map((row) => row.question)).toEqual(['C?']);
  });

  it('at the line a row starts on, after a cell that spans lines', async () => {
    const suite = await read('question,expect_status\n"Two\nlines?",COMPLETED\nNext?,DONE\n');
    expect(printed(suite)).toEqual(['4:expect_status: "DONE" is not one of COMPLETED, FAILED, TIMED_OUT, ERROR']);
  });
});

describe('suite names and printed problems', () => {
  it('names a suite after its file, with unsafe characters replaced', async () => {
    expect((await read('question\nHi?\n', 'Smoke tests (v2).csv')).name).toBe('Smoke_tests__v2_');
    expect(suiteName('/suites/it.v2.csv')).toBe('it.v2');
    expect(suiteName('/suites/résumé.csv')).toBe('r_sum_');
  });

  it('prints problems as path:line:column: message', () => {
    expect(formatSuiteProblems('suites/it.csv', [{ line: 4, column: 'max_latency_ms', message: 'bad' }])).toEqual([
      'suites/it.csv:4:max_latency_ms: bad',
    ]);
  });
});

describe('a suite row that presses a button (callback_id)', () => {
  it('is checked like any row, and its press reaches the run input', async () => {
    const suite = await read(
      [
        'conversation,question,callback_id,expect_contains',
        'c,Open a ticket,,ticket',
        'c,,label:Approve,approved',
      ].join('\n'),
    );
    expect(suite.problems).toEqual([]);
    const [conversation] = conversationsOf(suite);
    expect(conversation?.turns.map((turn) => [turn.callbackId, turn.checks.contains])).toEqual([
      [undefined, ['ticket']],
      ['label:Approve', ['approved']],
    ]);
  });
});
