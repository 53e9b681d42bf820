/**
 * report.html of an evaluation run: one self-contained file a person opens from disk. No network at all (a CSP
 * forbids it): the style sheet and the script are inline (evaluation/report/page.ts), and the data is embedded as
 * JSON in a `<script type="application/json">` block that the page's script reads and shows with textContent only.
 *
 * The embedded data is `PageData`, a compact form of `ReportData`: what is the same on every repeat of a question
 * (its text, tags, flags, the baseline's answer) is kept once per question, and each distinct answer text once,
 * so 1,000 questions × 3 repeats of 500-character answers stay a file of a few MB.
 */
import type { AnswerCitation, TurnStatus } from '../../common/types';
import type { ReportData, RunHistoryPoint, RunSummary } from '../types';
import { PAGE_CSS, PAGE_SCRIPT } from './page';

/** The Content-Security-Policy of the page: inline style and script, data: images, nothing fetched. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/** One question of the suite: what its repeats share. */
interface PageQuestion {
  id: string;
  line: number;
  question: string;
  tags: string[];
  regression: boolean;
  fixed: boolean;
  changed: boolean;
  flaky: boolean;
  /** Index in `texts` of the baseline's answer, when there is one. */
  baseline?: number;
  baselinePassed?: boolean;
}

/** One question × repeat. */
interface PageRow {
  /** Index in `questions`. */
  q: number;
  repeat: number;
  status: TurnStatus;
  passed: boolean;
  failedChecks: string[];
  /** Index in `texts`. */
  answer: number;
  citations: AnswerCitation[];
  latencyMs?: number;
  conversation?: string;
}

/** What the page's script reads. */
interface PageData {
  summary: RunSummary;
  history: RunHistoryPoint[];
  questions: PageQuestion[];
  rows: PageRow[];
  /** Every distinct answer text (this run's and the baseline's), once. */
  texts: string[];
}

function toPageData(data: ReportData): PageData {
  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  const intern = (text: string): number => {
    let index = textIndex.get(text);
    if (index === undefined) {
      index = texts.push(text) - 1;
      textIndex.set(text, index);
    }
    return index;
  };
  const questions: PageQuestion[] = [];
  const questionIndex = new Map<string, number>();
  const rows = data.rows.map((row): PageRow => {
    let q = questionIndex.get(row.rowId);
    if (q === undefined) {
      q =
        questions.push({
          id: row.rowId,
          line: row.line,
          question: row.question,
          tags: row.tags,
          regression: row.regression,
          fixed: row.fixed,
          changed: row.changed,
          flaky: row.flaky,
          baseline: row.baselineAnswer === undefined ? undefined : intern(row.baselineAnswer),
          baselinePassed: row.baselinePassed,
        }) - 1;
      questionIndex.set(row.rowId, q);
    }
    return {
      q,
      repeat: row.repeat,
      status: row.status,
      passed: row.passed,
      failedChecks: row.failedChecks,
      answer: intern(row.answer),
      citations: row.citations,
      latencyMs: row.latencyMs,
      conversation: row.conversation,
    };
  });
  return { summary: data.summary, history: data.history, questions, rows, texts };
}

/**
 * JSON safe inside a `<script>` element: `<` becomes \u003c (so no `</script>` or `<!--` can end or change the
 * block), and U+2028/U+2029 are escaped too.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The whole report.html (UTF-8 text) of an evaluation run. */
export function renderReport(data: ReportData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation report</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<noscript><p>This report is drawn by its own inline script: allow JavaScript for this file to see it.</p></noscript>
<header>
<h1 id="title">Evaluation report</h1>
<p id="subtitle" class="muted"></p>
</header>
<main>
<section id="summary" aria-label="Summary">
<dl id="stats" class="stats"></dl>
<figure id="chart"><figcaption></figcaption></figure>
</section>
<form id="filters" role="search" aria-label="Filter the rows">
<label>Status <select id="filter-status"><option value="">all</option><option value="pass">pass</option><option value="fail">fail</option><option value="error">error</option></select></label>
<label>Tag <select id="filter-tag"><option value="">all</option></select></label>
<label><input type="checkbox" id="filter-regressions"> regressions only</label>
<label><input type="checkbox" id="filter-flaky"> flaky only</label>
<label>Search <input type="search" id="filter-search" placeholder="id, question or answer"></label>
<span id="shown" role="status"></span>
</form>
<table id="rows" role="table" aria-label="Every question × repeat">
<thead role="rowgroup"><tr role="row"><th role="columnheader">id</th><th role="columnheader">repeat</th><th role="columnheader">status</th><th role="columnheader">result</th><th role="columnheader">failed checks</th><th role="columnheader">answer</th><th role="columnheader">citations</th><th role="columnheader">latency</th><th role="columnheader">tags</th></tr></thead>
<tbody role="rowgroup"></tbody>
</table>
</main>
<aside id="detail" aria-label="Row detail" hidden>
<button type="button" id="detail-close">Close</button>
<div id="detail-body"></div>
</aside>
<script type="application/json" id="report-data">${scriptJson(toPageData(data))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
