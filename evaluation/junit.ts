/**
 * junit.xml of an evaluation run, for any CI system: one testsuite for the suite, one testcase per question and
 * repeat; a question that failed a check carries a <failure> listing the failed checks, one that got no answer an
 * <error>. Text is escaped for XML, and characters XML 1.0 cannot hold (most control characters) are dropped.
 */
import type { EvalRecord } from './run-folder';
import type { RunSummary } from './types';

/** Characters XML 1.0 allows: tab, LF, CR, and everything from space on except lone surrogates and U+FFFE/FFFF. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const NO_ANSWER = new Set(['ERROR', 'TIMED_OUT', 'CANCELLED']);

/** A testcase name a person recognises in a CI page: the row id, the repeat, and the start of the question. */
function caseName(record: EvalRecord, repeats: number): string {
  const question = record.question.length > 80 ? `${record.question.slice(0, 79)}…` : record.question;
  const repeat = repeats > 1 ? ` #${record.repeat}` : '';
  return `${record.rowId}${repeat}: ${question}`;
}

export function junitXml(summary: RunSummary, records: readonly EvalRecord[]): string {
  const failures = records.filter((r) => !r.passed && !NO_ANSWER.has(r.status)).length;
  const errors = records.filter((r) => !r.passed && NO_ANSWER.has(r.status)).length;
  const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);
  const totalMs = records.reduce((n, r) => n + (r.latencyMs ?? 0), 0);
  const suite = xmlText(summary.suite);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mwbatch eval" tests="${records.length}" failures="${failures}" errors="${errors}" time="${seconds(totalMs)}">`,
    `  <testsuite name="${suite}" id="${xmlText(summary.run_id)}" tests="${records.length}" failures="${failures}" ` +
      `errors="${errors}" time="${seconds(totalMs)}" timestamp="${xmlText(summary.started_at)}">`,
  ];
  for (const r of records) {
    const open = `    <testcase classname="${suite}" name="${xmlText(caseName(r, summary.repeats))}" time="${seconds(r.latencyMs)}"`;
    if (r.passed) {
      lines.push(`${open}/>`);
      continue;
    }
    const kind = NO_ANSWER.has(r.status) ? 'error' : 'failure';
    const checks = r.failed_checks.length > 0 ? r.failed_checks : [`status ${r.status}`];
    const detail = [...checks, '', `answer: ${r.answer}`].join('\n');
    lines.push(
      `${open}>`,
      `      <${kind} message="${xmlText(checks.join('; '))}" type="${xmlText(r.status)}">${xmlText(detail)}</${kind}>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
