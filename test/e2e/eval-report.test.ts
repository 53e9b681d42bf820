/**
 * report.html of an evaluation run, as a person sees it: rendered from a ReportData fixture into a file, opened
 * from disk in headless Chromium with the network cut off. The summary's counts, the filters (regressions only,
 * tag, status, search), a row's detail with the word diff against the baseline's answer, the pass-rate chart, and
 * hostile answers shown as text. Screenshots are kept in test-output/eval-report/ (report.png, report-detail.png).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderReport, REPORT_CSP } from '../../evaluation/report/html';
import type { ReportData, ReportRow } from '../../evaluation/types';
import { tempDir } from '../helpers/batch';
import { fileUrl, launchChromium, offlinePage, type OfflinePage } from '../helpers/browser';
import { useForFile } from '../helpers/for-file';
import { generatedReport } from '../helpers/report-data';
import { waitFor } from '../helpers/wait';

const SCREENSHOT = join(__dirname, '..', '..', 'test-output', 'eval-report', 'report.png');
const SCREENSHOT_DETAIL = join(dirname(SCREENSHOT), 'report-detail.png');
const XSS_ANSWER = 'Try <script>alert(1)</script> then <img src=x onerror=alert(1)> please';

/** One row with the fields a test does not care about filled in. */
function row(fields: Partial<ReportRow> & Pick<ReportRow, 'rowId' | 'repeat' | 'answer'>): ReportRow {
  return {
    line: 2,
    question: `What about ${fields.rowId}?`,
    tags: [],
    status: 'COMPLETED',
    passed: true,
    failedChecks: [],
    citations: [],
    latencyMs: 1200,
    regression: false,
    fixed: false,
    changed: false,
    flaky: false,
    ...fields,
  };
}

const LAPTOP_BEFORE = 'Open the IT portal and request a laptop';
const LAPTOP_NOW = 'Open the hardware portal and request a new laptop';

/** Five questions × 2 repeats against a baseline: one fixed, one regression, one flaky, one error, one hostile. */
const FIXTURE: ReportData = {
  summary: {
    run_id: 'run-3',
    suite: 'smoke.csv',
    started_at: '2026-03-01T10:00:00.000Z',
    finished_at: '2026-03-01T10:02:30.000Z',
    questions: 5,
    repeats: 2,
    passed: 1,
    failed: 3,
    errors: 1,
    pass_rate: 0.2,
    flaky: ['flaky'],
    regressions: ['laptop'],
    fixed: ['vpn'],
    changed_answers: ['laptop'],
    latency_ms: { p50: 1200, p95: 4800 },
    api_requests: 23,
    http_429s: 2,
    baseline_run_id: 'run-2',
    suite_sha256: 'ab'.repeat(32),
  },
  rows: [
    ...[1, 2].map((repeat) =>
      row({
        rowId: 'vpn',
        repeat,
        line: 2,
        tags: ['it', 'smoke'],
        answer: 'Use the VPN portal.',
        citations: [{ citationId: 'c1', url: 'https://kb.example.com/vpn', title: 'VPN guide', snippet: 'How to' }],
        fixed: true,
        baselineAnswer: 'Use the VPN portal.',
        baselinePassed: false,
      }),
    ),
    ...[1, 2].map((repeat) =>
      row({
        rowId: 'laptop',
        repeat,
        line: 3,
        tags: ['it'],
        passed: false,
        failedChecks: ['expect_contains "IT portal": not found'],
        answer: LAPTOP_NOW,
        regression: true,
        changed: true,
        baselineAnswer: LAPTOP_BEFORE,
        baselinePassed: true,
      }),
    ),
    ...[1, 2].map((repeat) =>
      row({
        rowId: 'flaky',
        repeat,
        line: 4,
        tags: ['hr'],
        passed: repeat === 1,
        failedChecks: repeat === 1 ? [] : ['max_latency_ms 3000: took 4800 ms'],
        latencyMs: repeat === 1 ? 900 : 4800,
        answer: 'Your leave balance is in Workday.',
        flaky: true,
        baselineAnswer: 'Your leave balance is in Workday.',
        baselinePassed: true,
      }),
    ),
    ...[1, 2].map((repeat) =>
      row({
        rowId: 'err',
        repeat,
        line: 5,
        tags: ['hr'],
        status: 'ERROR',
        passed: false,
        failedChecks: ['expect_status: ERROR, expected COMPLETED'],
        answer: '',
        latencyMs: undefined,
      }),
    ),
    ...[1, 2].map((repeat) =>
      row({
        rowId: 'xss<b>',
        repeat,
        line: 6,
        question: 'Is <b>this</b> bold?',
        tags: ['<i>tag</i>'],
        passed: false,
        failedChecks: ['expect_not_contains "<script>": found'],
        answer: XSS_ANSWER,
        citations: [
          { title: '<img src=x onerror=alert(2)>', url: 'javascript:alert(3)' },
          { title: 'Safe "quoted" link', url: 'https://kb.example.com/a?x="><script>alert(4)</script>' },
        ],
        baselineAnswer: '</script><script>alert(5)</script>',
        baselinePassed: false,
      }),
    ),
  ],
  history: [
    { runId: 'run-1', startedAt: '2026-02-27T10:00:00.000Z', passRate: 0.4 },
    { runId: 'run-2', startedAt: '2026-02-28T10:00:00.000Z', passRate: 0.6 },
    { runId: 'run-3', startedAt: '2026-03-01T10:00:00.000Z', passRate: 0.2 },
  ],
};

const browser = useForFile<Browser>('chromium', launchChromium, (b) => b.close());
const report = useForFile(
  'the fixture report',
  async () => {
    const file = join(tempDir('mwbatch-report-'), 'report.html');
    writeFileSync(file, renderReport(FIXTURE));
    return { file };
  },
  async () => {},
);

/** Opens report.html from disk, offline, and waits until its script has drawn it. */
async function open(file: string): Promise<OfflinePage> {
  const view = await offlinePage(browser);
  await view.page.goto(fileUrl(file));
  await waitFor('report.html to be drawn', async () => {
    if (view.errors.length > 0) throw new Error(`report.html failed: ${view.errors.join('; ')}`);
    return view.page.evaluate(() => document.body.dataset.ready === '1');
  });
  return view;
}

/** Nothing fetched, nothing failed, no alert: asserted at the end of every test. */
function expectQuiet(view: OfflinePage) {
  expect(view.blocked, 'network requests attempted').toEqual([]);
  expect(view.errors, 'page errors').toEqual([]);
  expect(view.dialogs, 'dialogs opened').toEqual([]);
}

describe('report.html', () => {
  it('shows the run summary at the top and the pass-rate chart of the history', async () => {
    const view = await open(report.file);
    const { page } = view;
    const stat = (name: string) => page.locator(`[data-stat="${name}"] dd`);
    await expect.poll(() => page.title()).toContain('smoke.csv');
    expect(await page.locator('#subtitle').textContent()).toContain('run-3');
    const expected: Record<string, string> = {
      pass_rate: '20.0 %',
      questions: '5',
      repeats: '2',
      passed: '1',
      failed: '3',
      errors: '1',
      flaky: '1',
      baseline: 'run-2',
      regressions: '1',
      fixed: '1',
      changed_answers: '1',
      latency_p50: '1200 ms',
      latency_p95: '4800 ms',
      api_requests: '23',
      http_429s: '2',
    };
    for (const [name, value] of Object.entries(expected)) expect(await stat(name).textContent(), name).toBe(value);

    expect(await page.locator('#chart svg circle').count()).toBe(3);
    expect(await page.locator('#chart svg polyline').count()).toBe(1);
    expect(await page.locator('#chart svg').getAttribute('aria-label')).toBe(
      'Pass rate over 3 runs, from 40.0 % to 20.0 %',
    );
    expect(await page.locator('#chart svg circle.current title').textContent()).toContain('run-3');
    expect(await page.locator('#rows tbody tr').count()).toBe(10);
    expect(await page.locator('#shown').textContent()).toBe('10 of 10 rows shown');
    expectQuiet(view);
    await view.close();
  });

  it('filters: regressions only, by tag, by status, and a search over id, question and answer', async () => {
    const view = await open(report.file);
    const { page } = view;
    const visibleIds = () =>
      page.locator('#rows tbody tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.dataset.rowId));

    await page.getByLabel('regressions only').check();
    expect(await visibleIds()).toEqual(['laptop', 'laptop']);
    await expect.poll(() => page.locator('#rows tbody tr', { hasText: 'laptop' }).first().isVisible()).toBe(true);
    expect(await page.locator('#rows tbody tr', { hasText: 'Use the VPN portal.' }).first().isVisible()).toBe(false);
    expect(await page.locator('#shown').textContent()).toBe('2 of 10 rows shown');
    await page.getByLabel('regressions only').uncheck();

    await page.getByLabel('flaky only').check();
    expect(await visibleIds()).toEqual(['flaky', 'flaky']);
    await page.getByLabel('flaky only').uncheck();

    await page.getByLabel('Tag').selectOption('hr');
    expect(await visibleIds()).toEqual(['flaky', 'flaky', 'err', 'err']);
    await page.getByLabel('Status').selectOption('error');
    expect(await visibleIds()).toEqual(['err', 'err']);
    await page.getByLabel('Tag').selectOption('');
    await page.getByLabel('Status').selectOption('pass');
    expect(await visibleIds()).toEqual(['vpn', 'vpn', 'flaky']);
    await page.getByLabel('Status').selectOption('');
    expect(await page.getByLabel('Tag').locator('option').allTextContents()).toEqual([
      'all',
      '<i>tag</i>',
      'hr',
      'it',
      'smoke',
    ]);

    const search = page.getByLabel('Search');
    await search.fill('HARDWARE portal'); // in the answer, another case
    expect(await visibleIds()).toEqual(['laptop', 'laptop']);
    await search.fill('<b>this</b>'); // in the question
    expect(await visibleIds()).toEqual(['xss<b>', 'xss<b>']);
    await search.fill('vpn'); // the id (and the answer)
    expect(await visibleIds()).toEqual(['vpn', 'vpn']);
    await search.fill('no such words anywhere');
    expect(await visibleIds()).toEqual([]);
    expect(await page.locator('#shown').textContent()).toBe('0 of 10 rows shown');
    await search.fill('');
    expect(await visibleIds()).toHaveLength(10);
    expectQuiet(view);
    await view.close();
  });

  it("a row's detail shows the question, answer, failed checks and the word diff against the baseline", async () => {
    const view = await open(report.file);
    const { page } = view;
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.locator('#rows tbody tr', { hasText: 'laptop' }).first().click();
    const detail = page.locator('#detail');
    await expect.poll(() => detail.isVisible()).toBe(true);
    expect(await detail.locator('h2').textContent()).toBe('laptop · repeat 1');
    expect(await detail.locator('.answer-text').textContent()).toBe(LAPTOP_NOW);
    expect(await detail.locator('.baseline-text').textContent()).toBe(LAPTOP_BEFORE);
    expect(await detail.locator('ul.checks li').allTextContents()).toEqual(['expect_contains "IT portal": not found']);
    expect((await detail.locator('.diff del').allTextContents()).map((t) => t.trim())).toEqual(['IT']);
    expect((await detail.locator('.diff ins').allTextContents()).map((t) => t.trim())).toEqual(['hardware', 'new']);
    expect(await detail.locator('.diff').textContent()).toBe('Open the IT hardware portal and request a new laptop');

    await page.screenshot({ path: SCREENSHOT_DETAIL });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    expect(statSync(SCREENSHOT_DETAIL).size).toBeGreaterThan(10_000);

    await page.keyboard.press('Escape');
    await expect.poll(() => detail.isVisible()).toBe(false);
    await page.locator('#rows tbody tr', { hasText: 'Use the VPN portal.' }).first().click();
    expect(await detail.getByText('Same words as the baseline.').isVisible()).toBe(true);
    expect(await detail.locator('ul.cites a').getAttribute('href')).toBe('https://kb.example.com/vpn');
    expectQuiet(view);
    await view.close();
  });

  it('answers, questions, ids, tags and citations with HTML in them are shown as text, never run', async () => {
    const view = await open(report.file);
    const { page } = view;
    const xssRow = page.locator('#rows tbody tr[data-row-id="xss<b>"]').first();
    expect(await xssRow.locator('td.answer').textContent()).toBe(XSS_ANSWER);
    expect(await xssRow.locator('td.id').textContent()).toBe('xss<b>');
    expect(await xssRow.locator('.tag').textContent()).toBe('<i>tag</i>');
    await xssRow.click();
    const detail = page.locator('#detail');
    expect(await detail.locator('.answer-text').textContent()).toBe(XSS_ANSWER);
    expect(await detail.locator('.baseline-text').textContent()).toBe('</script><script>alert(5)</script>');
    expect(await detail.getByText('Is <b>this</b> bold?').isVisible()).toBe(true);
    // The javascript: citation is text, not a link; the https one is a link whose href is the URL, quotes and all.
    expect(await detail.getByText('<img src=x onerror=alert(2)>').isVisible()).toBe(true);
    expect(await detail.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await detail.getByRole('link', { name: 'Safe "quoted" link' }).getAttribute('href')).toBe(
      'https://kb.example.com/a?x=%22%3E%3Cscript%3Ealert(4)%3C/script%3E',
    );
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(REPORT_CSP);
    // Nothing injected: no image, no bold or italic element, only the page's own two scripts.
    expect(await page.locator('img, b, i').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    expectQuiet(view);
    await view.close();
  });

  it('1,000 questions × 3 repeats: one file under 5 MB that opens with every row and filters', async () => {
    const file = join(tempDir('mwbatch-report-'), 'report.html');
    const data = generatedReport({ questions: 1000, repeats: 3 });
    writeFileSync(file, renderReport(data));
    expect(statSync(file).size).toBeLessThan(5_000_000);
    const view = await open(file);
    const { page } = view;
    expect(await page.locator('#rows tbody tr').count()).toBe(3000);
    await page.getByLabel('regressions only').check();
    const regressionRows = data.rows.filter((r) => r.regression).length;
    expect(await page.locator('#shown').textContent()).toBe(`${regressionRows} of 3000 rows shown`);
    expectQuiet(view);
    await view.close();
  });

  it('a filter set while the rows are still being built applies to the rows built after it', async () => {
    const file = join(tempDir('mwbatch-report-'), 'report.html');
    const data = generatedReport({ questions: 400, repeats: 2, seed: 7 });
    writeFileSync(file, renderReport(data));
    const view = await offlinePage(browser);
    const { page } = view;
    // The page's clock stands still until the test moves it: the later slices of rows wait to be built.
    await page.clock.install({ time: 0 });
    await page.clock.pauseAt(1000);
    await page.goto(fileUrl(file));
    const built = () => page.locator('#rows tbody tr').count();
    const firstRows = await built();
    expect(firstRows).toBeGreaterThan(0);
    expect(firstRows).toBeLessThan(data.rows.length);
    await page.getByLabel('flaky only').check();
    await page.clock.runFor(10_000);
    await waitFor('every row', () => page.evaluate(() => document.body.dataset.ready === '1'));
    expect(await built()).toBe(data.rows.length);
    const flakyIds = data.rows.filter((r) => r.flaky).map((r) => r.rowId);
    expect(flakyIds.length).toBeGreaterThan(0);
    const visible = await page
      .locator('#rows tbody tr:not([hidden])')
      .evaluateAll((trs) => trs.map((tr) => tr.dataset.rowId));
    expect(visible).toEqual(flakyIds);
    expectQuiet(view);
    await view.close();
  });

  it('the page is really offline: a request to the network is refused and recorded', async () => {
    const view = await offlinePage(browser);
    await view.page.setContent('<img src="http://203.0.113.1/pixel.png">');
    expect(view.blocked).toEqual(['http://203.0.113.1/pixel.png']);
    await view.close();
  });
});
