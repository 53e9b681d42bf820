/**
 * The end-of-case checks every fault case shares: every row has exactly one result, every answer is the
 * simulator's, and the simulator saw each conversation created once and each question submitted once.
 * The figures are printed (one line per case) before anything is asserted, so a failing case still reports them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { expectedAnswer, type RecordedRequest } from '../../../simulator';
import { readJournal, readResultsCsv } from '../../helpers/batch';
import type { FaultStack } from './fault-stack';

export interface BatchFigures {
  rows: number;
  kills: number;
  completed: number;
  /** Extra conversations + extra turns at the simulator + extra result rows. */
  duplicates: number;
  /** Questions of the input with no result row. */
  lost: number;
  requests: number;
  rate429: number;
  /** Anything else worth a figure (printed as key=value after the fixed ones). */
  extra: Record<string, number | string>;
}

/** A POST that created a turn at the simulator (answered 2xx, or stored and then dropped / cut). */
function createdTurn(r: RecordedRequest): boolean {
  if (r.method !== 'POST' || !/\/responses(\/stream)?$/.test(r.route)) return false;
  return (r.status >= 200 && r.status < 300) || r.fault === 'commit-then-drop';
}

function questionOf(r: RecordedRequest): string | undefined {
  const text = (r.body as { input?: { text?: unknown } } | undefined)?.input?.text;
  return typeof text === 'string' ? text : undefined;
}

function countBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

const surplus = (counts: Map<string, number>) => [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);

export function figuresLine(name: string, f: BatchFigures): string {
  const extra = Object.entries(f.extra).map(([k, v]) => ` ${k}=${v}`);
  return (
    `fault=${name} rows=${f.rows} kills=${f.kills} completed=${f.completed} duplicates=${f.duplicates}` +
    ` lost=${f.lost} requests=${f.requests} 429s=${f.rate429}${extra.join('')}`
  );
}

/** Figures of a finished case, from the results folder and the simulator (no assertion). */
export function batchFigures(
  stack: FaultStack,
  kills: number,
  extra: Record<string, number | string> = {},
): BatchFigures {
  const { sim, questions, outDir } = stack;
  const csv = existsSync(join(outDir, 'results.csv')) ? readResultsCsv(outDir) : [];
  const requests = sim.requests();
  const conversations = sim.conversations();
  const turns = conversations.flatMap((c) => c.turns);
  const inResults = new Set(csv.map((r) => r.question));
  // A conversation with no turn, or a second one for a question; a question submitted twice; a row written twice.
  const extraConversations = conversations.length - new Set(turns.map((t) => t.question)).size;
  const extraTurns = surplus(countBy(turns, (t) => t.question));
  const extraRows = surplus(countBy(csv, (r) => r.id));
  return {
    rows: csv.length,
    kills,
    completed: csv.filter((r) => r.status === 'COMPLETED').length,
    duplicates: extraConversations + extraTurns + extraRows,
    lost: questions.filter((q) => !inResults.has(q)).length,
    requests: requests.length,
    rate429: requests.filter((r) => r.status === 429).length,
    extra: { ...extra, seconds: Math.round((Date.now() - stack.startedAt) / 1000) },
  };
}

/** Prints the figures line, then asserts everything the fault suite promises. Returns the figures. */
export function verifyBatch(
  stack: FaultStack,
  kills: number,
  extra: Record<string, number | string> = {},
): BatchFigures {
  const figures = batchFigures(stack, kills, extra);
  console.log(figuresLine(stack.name, figures));

  const { sim, questions, outDir } = stack;
  const n = questions.length;
  const expected = [...questions].sort();

  // results.csv: exactly one row per question, every one COMPLETED with the simulator's answer
  const csv = readResultsCsv(outDir);
  expect(csv).toHaveLength(n);
  expect(csv.map((r) => r.question).sort()).toEqual(expected);
  expect(new Set(csv.map((r) => r.id)).size).toBe(n);
  const wrong = csv.filter((r) => r.status !== 'COMPLETED' || r.answer !== expectedAnswer(r.question!));
  expect(wrong.map((r) => `${r.id} ${r.status} ${r.error_code} ${r.error_message}`)).toEqual([]);

  // results.jsonl: one line per row
  const journal = readJournal(outDir);
  expect(journal).toHaveLength(n);
  expect(new Set(journal.map((r) => r.rowId)).size).toBe(n);

  // The simulator: one conversation per row, one created response in each, no question submitted twice
  const stats = sim.stats();
  expect(stats.conversationsCreated).toBe(n);
  const responsesPerConversation = Object.values(stats.responsesCreated);
  expect(responsesPerConversation).toHaveLength(n);
  expect(responsesPerConversation.filter((c) => c !== 1)).toEqual([]);
  const posted = countBy(sim.requests().filter(createdTurn), questionOf);
  expect([...posted.entries()].filter(([, c]) => c > 1)).toEqual([]);
  expect([...posted.keys()].sort()).toEqual(expected);

  // The answers are the simulator's own: each row's conversation holds exactly its question and answer
  const byConversation = new Map(sim.conversations().map((c) => [c.conversation_id, c]));
  expect(byConversation.size).toBe(n);
  const mismatched = csv.filter((r) => {
    const turns = byConversation.get(r.conversation_id!)?.turns ?? [];
    return turns.length !== 1 || turns[0]!.question !== r.question || turns[0]!.answer !== r.answer;
  });
  expect(mismatched.map((r) => `${r.id} → ${r.conversation_id}`)).toEqual([]);

  expect(figures.duplicates).toBe(0);
  expect(figures.lost).toBe(0);
  return figures;
}
