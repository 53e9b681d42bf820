/**
 * One result: its shape, the schema a line of results.jsonl must pass to be read back as one, and its row of
 * results.csv (the input cells as the user had them, then a summary), as CSV text from common/csv.ts (RFC 4180
 * quoting, formulas neutralised).
 */
import { z } from 'zod';
import { csvText } from '../../common/csv';
import type { AnswerAction, AnswerCitation, TurnStatus } from '../../common/types';

export interface ResultRecord {
  rowId: string;
  line: number;
  question: string;
  conversation?: string;
  /** The row's title, for the `title` column of results.csv. */
  title?: string;
  /** The row's callback_id: the turn pressed this button (as written: an ID or `label:<label>`). */
  callbackId?: string;
  extra: Record<string, string>;
  status: TurnStatus;
  answer: string;
  citations: AnswerCitation[];
  /** results.jsonl only: the buttons and links the answer offered (v1 API). */
  actions?: AnswerAction[];
  conversationId?: string;
  responseId?: string;
  latencyMs?: number;
  attempts?: number;
  /** Of the attempts, the ones answered 429. */
  http429s?: number;
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
  if (!parsed.success)
    throw new Error(`not a valid result record for row ${String(record.rowId)}: ${parsed.error.message}`);
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Lays records out as results.csv rows: the input columns as the user had them, then RESULT_COLUMNS. */
export class CsvLayout {
  readonly header: string[];
  private readonly inputCells: ((record: ResultRecord) => string)[];

  constructor(inputColumns: string[]) {
    this.header = [...inputColumns, ...RESULT_COLUMNS];
    this.inputCells = inputColumns.map((name) => {
      switch (name.trim().toLowerCase()) {
        case 'question':
          return (r) => r.question;
        case 'id':
          return (r) => r.rowId;
        case 'conversation':
          return (r) => text(r.conversation);
        case 'title':
          return (r) => text(r.title ?? r.extra[name]);
        case 'callback_id':
          return (r) => text(r.callbackId ?? r.extra[name]);
        default:
          return (r) => text(r.extra[name]);
      }
    });
  }

  /** The header line, after the UTF-8 BOM: the first thing in results.csv. */
  headerText(): string {
    return csvText([this.header], { bom: true });
  }

  /** The cells of one record, in the header's order. */
  cells(r: ResultRecord): string[] {
    const cited = r.citations.map((c) => c.url || c.title).filter((s): s is string => !!s);
    return [
      ...this.inputCells.map((cell) => cell(r)),
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
    ];
  }

  row(r: ResultRecord): string {
    return csvText([this.cells(r)]);
  }
}
