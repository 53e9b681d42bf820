/**
 * One result: its shape, the schema a line of results.jsonl must pass to be read back as one, and its row of
 * results.csv (the input cells as the user had them, then a summary), in CSV text as RFC 4180 has it.
 */
import { z } from 'zod';
import type { AnswerCitation, TurnStatus } from '../../common/types';

export interface ResultRecord {
  rowId: string;
  line: number;
  question: string;
  conversation?: string;
  /** The row's title, for the `title` column of results.csv. */
  title?: string;
  extra: Record<string, string>;
  status: TurnStatus;
  answer: string;
  citations: AnswerCitation[];
  conversationId?: string;
  responseId?: string;
  latencyMs?: number;
  attempts?: number;
  errorCode?: string;
  errorMessage?: string;
  rootUuid?: string;
  workflowId: string;
  /** ISO time. */
  finishedAt: string;
}

/** The columns results.csv adds after the input columns. */
export const RESULT_COLUMNS = [
  'status',
  'answer',
  'citations',
  'conversation_id',
  'response_id',
  'latency_ms',
  'attempts',
  'error_code',
  'error_message',
  'workflow_id',
];

/** The fields every line of the journal must have; unknown fields are kept (a newer version may add some). */
const recordSchema = z.looseObject({
  rowId: z.string().min(1),
  line: z.number(),
  question: z.string(),
  extra: z.record(z.string(), z.string()),
  status: z.string().min(1), // a TurnStatus as we write it; another is read back as it was written
  answer: z.string(),
  // lenient: an API citation with a null field must not stop a batch from recording its answer
  citations: z.array(z.looseObject({ url: z.string().nullish(), title: z.string().nullish() })),
  workflowId: z.string(),
  finishedAt: z.string(),
});

/** The record on a journal line, or undefined when the line is not one. */
export function parseRecord(text: string): ResultRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? (parsed.data as ResultRecord) : undefined;
}

export function checkRecord(record: ResultRecord): void {
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) throw new Error(`not a valid result record for row ${String(record.rowId)}: ${parsed.error.message}`);
}

/** Written first in every CSV we produce: without it Excel reads UTF-8 as the local code page. */
export const UTF8_BOM = '\uFEFF';

/** A cell is quoted when it holds a comma, a quote, CR or LF; quotes are doubled. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Lays records out as results.csv rows: the input columns as the user had them, then RESULT_COLUMNS. */
export class CsvLayout {
  readonly header: string[];
  private readonly cells: ((record: ResultRecord) => string)[];

  constructor(inputColumns: string[]) {
    this.header = [...inputColumns, ...RESULT_COLUMNS];
    this.cells = inputColumns.map((name) => {
      switch (name.trim().toLowerCase()) {
        case 'question':
          return (r) => r.question;
        case 'id':
          return (r) => r.rowId;
        case 'conversation':
          return (r) => text(r.conversation);
        case 'title':
          return (r) => text(r.title ?? r.extra[name]);
        default:
          return (r) => text(r.extra[name]);
      }
    });
  }

  row(r: ResultRecord): string {
    const cited = r.citations.map((c) => c.url || c.title).filter((s): s is string => !!s);
    return csvLine([
      ...this.cells.map((cell) => cell(r)),
      r.status,
      r.answer,
      cited.join(' | '),
      text(r.conversationId),
      text(r.responseId),
      text(r.latencyMs),
      text(r.attempts),
      text(r.errorCode),
      text(r.errorMessage),
      r.workflowId,
    ]);
  }
}
