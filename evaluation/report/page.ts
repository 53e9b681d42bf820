/**
 * The style sheet and the script inlined into report.html (evaluation/report/html.ts puts them in the page).
 *
 * The script is plain browser JavaScript kept as text, so the page is exactly what this file says whatever tool
 * compiles the TypeScript around it (no helper a compiler might inject can leak into the page). It reads the data
 * from the page's `<script type="application/json" id="report-data">` block (the shape is `PageData` in html.ts),
 * builds the summary, the chart, the table and the detail panel with createElement/textContent only (never
 * innerHTML: answers, questions, ids, tags and citations are never parsed as HTML). The first rows are built before
 * the page is first drawn, the others in slices after (performance marks `report-first-rows`, `report-first-frame`);
 * once every row is there it sets `document.body.dataset.ready = '1'` (and the mark `report-ready`): tests wait
 * for that.
 * Written without backticks and `${`, as it sits in a String.raw template.
 */

export const PAGE_CSS = String.raw`
:root { --pass: #1a7f37; --fail: #b42318; --error: #9a6700; --muted: #57606a; --line: #d0d7de; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: #1f2328; background: #fff; }
header, main { padding: 12px 20px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 16px; margin: 16px 0 6px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.muted { color: var(--muted); }
#summary { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; margin: 0; flex: 1 1 520px; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; background: var(--bg2); min-width: 0; }
.stat dt { font-size: 12px; color: var(--muted); }
.stat dd { margin: 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.stat.small dd { font-size: 13px; font-weight: 500; }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); }
#chart svg { width: 360px; height: 140px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
#chart .grid { stroke: var(--line); stroke-width: 1; }
#chart .axis { fill: var(--muted); font-size: 10px; }
#chart polyline { fill: none; stroke: #0969da; stroke-width: 2; }
#chart circle { fill: #0969da; }
#chart circle.current { fill: #fff; stroke: #0969da; stroke-width: 2; }
#filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 16px 0 8px; }
#filters input[type=search] { width: 260px; padding: 4px 6px; }
#shown { color: var(--muted); }
/* The table is laid out as a grid of rows so that rows off screen skip layout and paint (content-visibility):
   3,000 rows open fast; the elements keep their table roles (set in the markup and by the script). */
#rows, #rows tbody { display: block; }
#rows thead { display: block; position: sticky; top: 0; z-index: 1; background: var(--bg2); }
#rows tr { display: grid; grid-template-columns: minmax(0, 9fr) 60px 110px minmax(0, 10fr) minmax(0, 15fr) minmax(0, 28fr) minmax(0, 13fr) 80px minmax(0, 9fr); border-bottom: 1px solid var(--line); }
#rows tbody tr { content-visibility: auto; contain-intrinsic-size: auto 60px; }
#rows tr[hidden] { display: none; }
th, td { display: block; padding: 4px 6px; text-align: left; overflow-wrap: anywhere; min-width: 0; }
th { font-size: 12px; }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr:focus { background: #eef4ff; outline: none; }
tbody tr.selected { background: #dbe9ff; }
td.answer { color: #333; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; margin: 0 4px 2px 0; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
.badge.error { background: var(--error); }
.flag { display: inline-block; padding: 0 5px; border: 1px solid currentColor; border-radius: 10px; font-size: 11px; margin: 0 4px 2px 0; }
.flag.regression { color: var(--fail); }
.flag.fixed { color: var(--pass); }
.flag.flaky, .flag.changed { color: var(--muted); }
.tag { display: inline-block; background: var(--bg2); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; margin: 0 3px 2px 0; font-size: 12px; }
ul.checks, ul.cites { margin: 0; padding-left: 16px; }
#detail { position: fixed; z-index: 2; top: 0; right: 0; bottom: 0; width: min(720px, 100%); overflow: auto; background: #fff; border-left: 1px solid var(--line); box-shadow: -4px 0 16px rgba(0,0,0,.12); padding: 12px 20px 40px; }
#detail[hidden] { display: none; }
#detail-close { float: right; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: 8px; margin: 0; }
.diff ins { background: #d2f4d3; text-decoration: none; }
.diff del { background: #ffd7d5; }
`;

export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var summary = data.summary;
  var questions = data.questions;
  var rows = data.rows;
  var texts = data.texts;
  var PREVIEW_CHARS = 160;

  /* ---------- small helpers: every piece of data goes through textContent ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function percent(rate) { return (rate * 100).toFixed(1) + ' %'; }
  function millis(value) { return typeof value === 'number' ? Math.round(value) + ' ms' : '–'; }
  function outcome(row) {
    if (row.passed) return 'pass';
    return row.status === 'ERROR' || row.status === 'TIMED_OUT' || row.status === 'CANCELLED' ? 'error' : 'fail';
  }
  /** The URL when it is http(s), else null: other schemes (javascript:, data:, file:) are shown as text only. */
  function webUrl(url) {
    if (typeof url !== 'string') return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }
  /** A citation as a link (http/https only) or as text; in full, its URL and snippet follow (in the table, the
   * URL is the link's tooltip). */
  function citationNode(citation, full) {
    var label = citation.title || citation.url || citation.citationId || 'citation';
    var href = webUrl(citation.url);
    var node = el('li');
    if (href) {
      var link = el('a', '', label);
      link.href = href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.title = href;
      node.appendChild(link);
    } else {
      node.appendChild(el('span', '', label));
    }
    if (full && citation.url && citation.url !== label) node.appendChild(el('span', 'muted', ' ' + citation.url));
    if (full && citation.snippet) node.appendChild(el('div', 'muted', citation.snippet));
    return node;
  }
  function flagNodes(question) {
    var nodes = [];
    if (question.regression) nodes.push(el('span', 'flag regression', 'regression'));
    if (question.fixed) nodes.push(el('span', 'flag fixed', 'fixed'));
    if (question.flaky) nodes.push(el('span', 'flag flaky', 'flaky'));
    if (question.changed) nodes.push(el('span', 'flag changed', 'changed'));
    return nodes;
  }

  /* ---------- summary ---------- */

  function renderSummary() {
    document.title = summary.suite + ' · ' + summary.run_id + ' · evaluation report';
    document.getElementById('title').textContent = 'Evaluation of ' + summary.suite;
    var seconds = (Date.parse(summary.finished_at) - Date.parse(summary.started_at)) / 1000;
    var took = isFinite(seconds) ? ' (' + Math.round(seconds) + ' s)' : '';
    document.getElementById('subtitle').textContent =
      'Run ' + summary.run_id + ', ' + summary.started_at + ' → ' + summary.finished_at + took;
    var baseline = summary.baseline_run_id;
    var stats = [
      ['pass_rate', 'Pass rate', percent(summary.pass_rate)],
      ['questions', 'Questions', summary.questions],
      ['repeats', 'Repeats', summary.repeats],
      ['passed', 'Passed', summary.passed],
      ['failed', 'Failed', summary.failed],
      ['errors', 'Errors', summary.errors],
      ['flaky', 'Flaky', summary.flaky.length],
      ['baseline', 'Baseline run', baseline === null ? 'none' : baseline, 'small'],
      ['regressions', 'Regressions', baseline === null ? '–' : summary.regressions.length],
      ['fixed', 'Fixed', baseline === null ? '–' : summary.fixed.length],
      ['changed_answers', 'Changed answers', baseline === null ? '–' : summary.changed_answers.length],
      ['latency_p50', 'Latency p50', millis(summary.latency_ms.p50)],
      ['latency_p95', 'Latency p95', millis(summary.latency_ms.p95)],
      ['api_requests', 'API requests', summary.api_requests],
      ['http_429s', 'HTTP 429s', summary.http_429s],
    ];
    var list = document.getElementById('stats');
    stats.forEach(function (stat) {
      var item = el('div', stat[3] ? 'stat ' + stat[3] : 'stat');
      item.dataset.stat = stat[0];
      item.appendChild(el('dt', '', stat[1]));
      item.appendChild(el('dd', '', stat[2]));
      list.appendChild(item);
    });
  }

  /* ---------- pass-rate chart over the suite's runs ---------- */

  function renderChart() {
    var history = data.history;
    var figure = document.getElementById('chart');
    var caption = figure.querySelector('figcaption');
    if (history.length === 0) {
      caption.textContent = 'No earlier runs to chart.';
      return;
    }
    var NS = 'http://www.w3.org/2000/svg';
    var width = 360, height = 140, left = 34, right = 10, top = 10, bottom = 16;
    var plotW = width - left - right, plotH = height - top - bottom;
    function svg(tag, attrs) {
      var node = document.createElementNS(NS, tag);
      for (var name in attrs) node.setAttribute(name, String(attrs[name]));
      return node;
    }
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    var first = history[0], last = history[history.length - 1];
    chart.setAttribute('aria-label', 'Pass rate over ' + history.length + ' runs, from ' +
      percent(first.passRate) + ' to ' + percent(last.passRate));
    [0, 0.5, 1].forEach(function (rate) {
      var y = top + (1 - rate) * plotH;
      chart.appendChild(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y, y2: y }));
      var label = svg('text', { class: 'axis', x: left - 4, y: y + 3, 'text-anchor': 'end' });
      label.textContent = rate * 100 + '%';
      chart.appendChild(label);
    });
    function x(i) { return left + (history.length === 1 ? plotW / 2 : (i * plotW) / (history.length - 1)); }
    function y(rate) { return top + (1 - Math.min(1, Math.max(0, rate))) * plotH; }
    var points = history.map(function (point, i) { return x(i).toFixed(1) + ',' + y(point.passRate).toFixed(1); });
    chart.appendChild(svg('polyline', { points: points.join(' ') }));
    [[first, 'start', left], [last, 'end', width - right]].forEach(function (end) {
      if (history.length === 1 && end[1] === 'end') return;
      var label = svg('text', { class: 'axis', x: end[2], y: height - 2, 'text-anchor': end[1] });
      label.textContent = String(end[0].startedAt).slice(0, 10);
      chart.appendChild(label);
    });
    history.forEach(function (point, i) {
      var dot = svg('circle', { cx: x(i).toFixed(1), cy: y(point.passRate).toFixed(1), r: 3 });
      if (point.runId === summary.run_id) dot.setAttribute('class', 'current');
      var tip = svg('title', {});
      tip.textContent = point.runId + ' · ' + point.startedAt + ' · ' + percent(point.passRate);
      dot.appendChild(tip);
      chart.appendChild(dot);
    });
    figure.insertBefore(chart, caption);
    caption.textContent = 'Pass rate of the last ' + history.length + ' runs of this suite, oldest first';
  }

  /* ---------- the table: each row built once; filters only toggle its hidden attribute ---------- */

  var tbody = document.querySelector('#rows tbody');
  /** The rows built so far, in order. */
  var trs = [];
  /** Whether each row passes the filters in force. */
  var shownRows = rows.map(function () { return true; });
  var outcomes = rows.map(outcome);

  /** An empty row of the table: each row is a clone of it, quicker than building its nine cells one by one. */
  var ROW_TEMPLATE = (function () {
    var tr = document.createElement('tr');
    tr.setAttribute('role', 'row');
    tr.tabIndex = 0;
    ['id', 'num', '', '', '', 'answer', '', 'num', ''].forEach(function (className) {
      var td = el('td', className);
      td.setAttribute('role', 'cell');
      tr.appendChild(td);
    });
    return tr;
  })();

  function buildRow(row, index) {
    var question = questions[row.q];
    var answer = texts[row.answer];
    var tr = ROW_TEMPLATE.cloneNode(true);
    var cells = tr.children;
    tr.setAttribute('data-row-id', question.id);
    cells[0].textContent = question.id;
    cells[1].textContent = row.repeat;
    cells[2].textContent = row.status;
    cells[3].appendChild(el('span', 'badge ' + outcomes[index], outcomes[index]));
    flagNodes(question).forEach(function (node) { cells[3].appendChild(node); });
    cells[4].textContent = row.failedChecks.join('; ');
    cells[5].textContent = answer.length > PREVIEW_CHARS ? answer.slice(0, PREVIEW_CHARS) + '…' : answer;
    if (row.citations.length > 0) {
      var list = el('ul', 'cites');
      row.citations.forEach(function (citation) { list.appendChild(citationNode(citation, false)); });
      cells[6].appendChild(list);
    }
    cells[7].textContent = millis(row.latencyMs);
    question.tags.forEach(function (tag) { cells[8].appendChild(el('span', 'tag', tag)); });
    return tr;
  }

  /**
   * Rows are built in slices: the first screenfuls before the page is first drawn, the rest in later tasks, so a
   * big run shows at once and stays responsive. A row built late takes the filters in force when it is built.
   */
  var FIRST_ROWS = 150;
  var SLICE_ROWS = 400;

  function buildRows(count) {
    var fragment = document.createDocumentFragment();
    var end = Math.min(rows.length, trs.length + count);
    for (var index = trs.length; index < end; index++) {
      var tr = buildRow(rows[index], index);
      tr.hidden = !shownRows[index];
      trs.push(tr);
      fragment.appendChild(tr);
    }
    tbody.appendChild(fragment);
  }

  function buildRest() {
    buildRows(SLICE_ROWS);
    if (trs.length < rows.length) {
      setTimeout(buildRest, 0);
      return;
    }
    performance.mark('report-ready');
    document.body.dataset.ready = '1';
  }

  function renderTagOptions() {
    var tags = Object.create(null);
    questions.forEach(function (question) { question.tags.forEach(function (tag) { tags[tag] = true; }); });
    var select = document.getElementById('filter-tag');
    Object.keys(tags).sort().forEach(function (tag) {
      var option = el('option', '', tag);
      option.value = tag;
      select.appendChild(option);
    });
  }

  /* ---------- filters ---------- */

  var haystacks = null;
  function haystack(index) {
    if (haystacks === null) {
      haystacks = rows.map(function (row) {
        var question = questions[row.q];
        return (question.id + '\n' + question.question + '\n' + texts[row.answer]).toLowerCase();
      });
    }
    return haystacks[index];
  }

  function applyFilters() {
    var status = document.getElementById('filter-status').value;
    var tag = document.getElementById('filter-tag').value;
    var regressionsOnly = document.getElementById('filter-regressions').checked;
    var flakyOnly = document.getElementById('filter-flaky').checked;
    var query = document.getElementById('filter-search').value.trim().toLowerCase();
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var question = questions[rows[i].q];
      var visible = (!status || outcomes[i] === status) &&
        (!tag || question.tags.indexOf(tag) !== -1) &&
        (!regressionsOnly || question.regression) &&
        (!flakyOnly || question.flaky) &&
        (!query || haystack(i).indexOf(query) !== -1);
      shownRows[i] = visible;
      if (i < trs.length && trs[i].hidden === visible) trs[i].hidden = !visible;
      if (visible) shown++;
    }
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' rows shown';
  }

  /* ---------- word diff of the baseline's answer against this one ---------- */

  /** Words with the whitespace after each; compared by the word alone. */
  function words(text) {
    return (text.match(/\S+\s*/g) || []).map(function (token) { return { word: token.trim(), text: token }; });
  }
  var MAX_DIFF_CELLS = 4000000;

  /**
   * Parts of 'same', 'del' (only in the baseline) and 'add' (only in this answer), in reading order, a removal
   * before the addition that replaces it. The common start and end are trimmed; the middle is a longest common
   * subsequence of words (or, when too long to compare word by word, all removed then all added).
   */
  function wordDiff(before, after) {
    var a = words(before), b = words(after);
    var start = 0;
    while (start < a.length && start < b.length && a[start].word === b[start].word) start++;
    var endA = a.length, endB = b.length;
    while (endA > start && endB > start && a[endA - 1].word === b[endB - 1].word) { endA--; endB--; }
    var parts = [];
    function push(op, text) {
      var lastPart = parts[parts.length - 1];
      if (lastPart && lastPart.op === op) lastPart.text += text;
      else parts.push({ op: op, text: text });
    }
    var i, j;
    for (i = 0; i < start; i++) push('same', b[i].text);
    var n = endA - start, m = endB - start;
    if (n * m > MAX_DIFF_CELLS) {
      for (i = start; i < endA; i++) push('del', a[i].text);
      for (j = start; j < endB; j++) push('add', b[j].text);
    } else {
      var width = m + 1;
      var lcs = new Uint32Array((n + 1) * width);
      for (i = n - 1; i >= 0; i--) {
        for (j = m - 1; j >= 0; j--) {
          lcs[i * width + j] = a[start + i].word === b[start + j].word
            ? lcs[(i + 1) * width + j + 1] + 1
            : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
        }
      }
      i = 0; j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && a[start + i].word === b[start + j].word) { push('same', b[start + j].text); i++; j++; }
        else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) { push('del', a[start + i].text); i++; }
        else { push('add', b[start + j].text); j++; }
      }
    }
    for (j = endB; j < b.length; j++) push('same', b[j].text);
    return parts;
  }

  function diffNode(before, after) {
    var box = el('p', 'text diff');
    wordDiff(before, after).forEach(function (part) {
      if (part.op === 'same') {
        box.appendChild(document.createTextNode(part.text));
        return;
      }
      var trailing = /\s*$/.exec(part.text)[0]; // marked words, the space after them left unmarked
      box.appendChild(el(part.op === 'add' ? 'ins' : 'del', '', part.text.slice(0, part.text.length - trailing.length)));
      box.appendChild(document.createTextNode(trailing));
    });
    return box;
  }

  /* ---------- the detail of one row ---------- */

  var detail = document.getElementById('detail');
  var detailBody = document.getElementById('detail-body');
  var selected = null;

  function section(title, content) {
    detailBody.appendChild(el('h3', '', title));
    detailBody.appendChild(content);
  }

  function openDetail(index) {
    var row = rows[index];
    var question = questions[row.q];
    var answer = texts[row.answer];
    detailBody.replaceChildren();
    detailBody.appendChild(el('h2', '', question.id + ' · repeat ' + row.repeat));
    var meta = el('p');
    meta.appendChild(el('span', 'badge ' + outcomes[index], outcomes[index]));
    flagNodes(question).forEach(function (node) { meta.appendChild(node); });
    var facts = row.status + ' · ' + millis(row.latencyMs) + ' · line ' + question.line;
    if (row.conversation) facts += ' · conversation ' + row.conversation;
    meta.appendChild(el('span', 'muted', facts));
    detailBody.appendChild(meta);
    section('Question', el('p', 'text', question.question));
    var checks = el('ul', 'checks');
    row.failedChecks.forEach(function (reason) { checks.appendChild(el('li', '', reason)); });
    section('Failed checks', row.failedChecks.length > 0 ? checks : el('p', 'muted', 'None: every check passed.'));
    section('Answer', el('p', 'text answer-text', answer));
    if (question.baseline === undefined) {
      section('Baseline answer', el('p', 'muted', summary.baseline_run_id === null
        ? 'No baseline run to compare with.'
        : 'The baseline run did not ask this question.'));
    } else {
      var baselineAnswer = texts[question.baseline];
      var verdict = question.baselinePassed === undefined ? '' : question.baselinePassed ? ', passed' : ', failed';
      section('Baseline answer (' + summary.baseline_run_id + verdict + ')', el('p', 'text baseline-text', baselineAnswer));
      section('Changes from the baseline',
        baselineAnswer === answer ? el('p', 'muted', 'Same words as the baseline.') : diffNode(baselineAnswer, answer));
    }
    var cites = el('ul', 'cites');
    row.citations.forEach(function (citation) { cites.appendChild(citationNode(citation, true)); });
    section('Citations', row.citations.length > 0 ? cites : el('p', 'muted', 'None.'));
    if (selected) selected.classList.remove('selected');
    selected = trs[index];
    selected.classList.add('selected');
    detail.hidden = false;
    detail.scrollTop = 0;
    document.getElementById('detail-close').focus();
  }

  function closeDetail() {
    detail.hidden = true;
    if (selected) {
      selected.classList.remove('selected');
      selected.focus();
    }
  }

  /* ---------- wiring ---------- */

  function rowIndexOf(event) {
    if (event.target.closest('a')) return -1;
    var tr = event.target.closest('tr');
    return tr && tr.parentNode === tbody ? tr.sectionRowIndex : -1;
  }

  renderSummary();
  renderChart();
  renderTagOptions();
  applyFilters();
  buildRows(FIRST_ROWS);
  performance.mark('report-first-rows');
  var filters = document.getElementById('filters');
  filters.addEventListener('input', applyFilters);
  filters.addEventListener('change', applyFilters);
  filters.addEventListener('submit', function (event) { event.preventDefault(); });
  tbody.addEventListener('click', function (event) {
    var index = rowIndexOf(event);
    if (index >= 0) openDetail(index);
  });
  tbody.addEventListener('keydown', function (event) {
    var index = rowIndexOf(event);
    if (index >= 0 && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      openDetail(index);
    }
  });
  document.getElementById('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !detail.hidden) closeDetail();
  });
  // The other rows after the first frame is drawn (at once in a tab not on screen, which draws no frame).
  if (document.visibilityState === 'hidden') setTimeout(buildRest, 0);
  else {
    requestAnimationFrame(function () {
      setTimeout(function () {
        performance.mark('report-first-frame');
        buildRest();
      }, 0);
    });
  }
})();
`;
