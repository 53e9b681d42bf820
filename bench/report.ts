/**
 * report.html benchmark: renders a generated evaluation run (default 1,000 questions × 3 repeats, ~500-character
 * answers, 30 runs of history), opens it from disk in headless Chromium with the network cut off, and prints one
 * table: the file's size, how long it takes to open, and how long a filter, a search and a row's detail take.
 * The target: under 5 MB, open and filter in under 2 s.
 *
 *   make bench-report   (or: npx tsc -p bench/tsconfig.json && node dist/bench/bench/report.js [--questions 1000]
 *     [--repeats 3] [--runs 3] [--keep])
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { renderReport } from '../evaluation/report/html';
import { fileUrl, launchChromium, offlinePage } from '../test/helpers/browser';
import { generatedReport } from '../test/helpers/report-data';
import { whole } from './measure';

interface Options {
  questions: number;
  repeats: number;
  runs: number;
  keep: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      questions: { type: 'string', default: '1000' },
      repeats: { type: 'string', default: '3' },
      runs: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
    },
  });
  return {
    questions: whole(values.questions, 'questions'),
    repeats: whole(values.repeats, 'repeats'),
    runs: whole(values.runs, 'runs'),
    keep: values.keep,
  };
}

/** Timings of one opening of the report, in ms. */
interface Sample {
  domContentLoaded: number;
  firstRows: number;
  firstFrame: number;
  ready: number;
  openWall: number;
  readyWall: number;
  regressionsFilter: number;
  tagFilter: number;
  search: number;
  clear: number;
  detail: number;
}

/** What the person does: set a filter control (and fire its event), or click an element. */
type Action =
  | { selector: string; set: 'checked' | 'value'; to: boolean | string; event: 'change' | 'input' }
  | { selector: string; click: true };

/** Does `action` in the page and returns the ms until the next frame after it is drawn. */
function timeInPage(page: Page, action: Action): Promise<number> {
  return page.evaluate(async (a) => {
    const start = performance.now();
    const element = document.querySelector(a.selector) as HTMLInputElement;
    if ('click' in a) element.click();
    else {
      if (a.set === 'checked') element.checked = a.to as boolean;
      else element.value = a.to as string;
      element.dispatchEvent(new Event(a.event, { bubbles: true }));
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    return performance.now() - start;
  }, action);
}

const check = (selector: string, to: boolean): Action => ({ selector, set: 'checked', to, event: 'change' });
const choose = (selector: string, to: string): Action => ({ selector, set: 'value', to, event: 'change' });
const type = (selector: string, to: string): Action => ({ selector, set: 'value', to, event: 'input' });

async function sample(browser: Awaited<ReturnType<typeof launchChromium>>, file: string, tag: string): Promise<Sample> {
  const view = await offlinePage(browser);
  try {
    const { page } = view;
    const started = Date.now();
    await page.goto(fileUrl(file));
    await page.waitForFunction(() => performance.getEntriesByName('report-first-frame').length > 0);
    const openWall = Date.now() - started;
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    const readyWall = Date.now() - started;
    const marks = await page.evaluate(() => ({
      domContentLoaded: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
        .domContentLoadedEventEnd,
      firstRows: performance.getEntriesByName('report-first-rows')[0]!.startTime,
      firstFrame: performance.getEntriesByName('report-first-frame')[0]!.startTime,
      ready: performance.getEntriesByName('report-ready')[0]!.startTime,
    }));
    const regressionsFilter = await timeInPage(page, check('#filter-regressions', true));
    await timeInPage(page, check('#filter-regressions', false));
    const tagFilter = await timeInPage(page, choose('#filter-tag', tag));
    await timeInPage(page, choose('#filter-tag', ''));
    const search = await timeInPage(page, type('#filter-search', 'vpn portal'));
    const clear = await timeInPage(page, type('#filter-search', ''));
    const detail = await timeInPage(page, { selector: '#rows tbody tr:nth-child(2)', click: true });
    if (view.blocked.length > 0) throw new Error(`the report tried the network: ${view.blocked.join(', ')}`);
    if (view.errors.length > 0) throw new Error(`the report failed: ${view.errors.join('; ')}`);
    return { ...marks, openWall, readyWall, regressionsFilter, tagFilter, search, clear, detail };
  } finally {
    await view.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const f = (value: number, digits = 0) => value.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const dir = await mkdtemp(join(tmpdir(), 'mwbatch-bench-report-'));
  const browser = await launchChromium();
  try {
    let t = performance.now();
    const data = generatedReport({ questions: options.questions, repeats: options.repeats, historyRuns: 30 });
    const generateMs = performance.now() - t;
    t = performance.now();
    const html = renderReport(data);
    const renderMs = performance.now() - t;
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    const bytes = Buffer.byteLength(html);
    const answerBytes = data.rows.reduce((sum, row) => sum + Buffer.byteLength(row.answer), 0);

    const samples: Sample[] = [];
    for (let i = 0; i < options.runs; i++) samples.push(await sample(browser, file, 'security'));
    const m = (key: keyof Sample) => f(median(samples.map((s) => s[key])));

    console.log(
      `\nreport.html of ${options.questions} questions × ${options.repeats} repeats (${data.rows.length} rows, ` +
        `${data.history.length} runs of history); Chromium ${browser.version()} headless; ` +
        `median of ${options.runs} openings; ${cpus().length} cores, load average ${f(loadavg()[0]!, 1)} ` +
        `(other work on the machine slows every figure)\n`,
    );
    console.log(
      table(
        ['measure', 'value'],
        [
          ['file size', `${f(bytes / 1e6, 2)} MB (answers of the rows: ${f(answerBytes / 1e6, 2)} MB)`],
          ['generate data (node)', `${f(generateMs)} ms`],
          ['renderReport (node)', `${f(renderMs)} ms`],
          ['navigation → first rows built (script)', `${m('firstRows')} ms`],
          ['navigation → DOMContentLoaded', `${m('domContentLoaded')} ms`],
          ['navigation → first frame drawn', `${m('firstFrame')} ms`],
          ['navigation → every row built (data-ready)', `${m('ready')} ms`],
          ['open, wall clock: goto → first frame', `${m('openWall')} ms`],
          ['open, wall clock: goto → every row built', `${m('readyWall')} ms`],
          ['filter: regressions only', `${m('regressionsFilter')} ms`],
          ['filter: one tag', `${m('tagFilter')} ms`],
          ['search "vpn portal"', `${m('search')} ms`],
          ['clear the search', `${m('clear')} ms`],
          ['open a row detail (word diff)', `${m('detail')} ms`],
        ],
      ),
    );
    if (options.keep) console.log(`\nkept: ${file}`);
  } finally {
    await browser.close();
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.exitCode = 1;
  console.error(err instanceof Error ? err.message : err);
});
