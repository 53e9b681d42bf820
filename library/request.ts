/**
 * What an ask is: the request (validated with zod: the library's `ask()` / `start()`, the gateway's JSON body and
 * the CLI share it), its idempotency key, and the conversation workflow input built from them. An ask is a
 * conversation workflow with the id `ask/<key>` whose turns are the earlier turns, then the question.
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, durationMs } from '../common/duration';
import { MAX_CONVERSATION_INPUT_BYTES } from '../batch/submit-file';
import { ASK_BATCH_ID, conversationWorkflowId } from '../common/names';
import {
  STARTER_FLAGS,
  resolveTurnSettings,
  type ConversationInput,
  type TurnInput,
  type TurnMode,
} from '../common/types';
import { InvalidRequestError, type FieldIssue } from './errors';

/** The request of one ask, as `MwbatchClient.ask()` / `start()` take it. */
export interface AskRequest {
  /** The question; its answer is the result. With `callbackId`, optional: a description kept with the result. */
  question?: string;
  /**
   * Press a button instead of asking (v1 API): the callback ID of an action the answer to the last of
   * `conversation` offered, or `label:<label>` to press the button with that label. Needs `conversation`.
   */
  callbackId?: string;
  /** Names the request: the same key with the same request never asks twice. See IDEMPOTENCY_KEY_RULE. */
  idempotencyKey: string;
  /** Earlier turns, asked first, in order, in the same conversation (the answer is the last turn's). */
  conversation?: string[];
  /** The conversation's title (default: the first question). */
  title?: string;
  /** Per-turn deadline: a duration such as `150s`, `2m`, `1500ms`, or a number of seconds. Default 150 s. */
  deadline?: string | number;
  /** `poll` (default) or `stream`. */
  mode?: TurnMode;
}

export { ASK_BATCH_ID };

export const MAX_IDEMPOTENCY_KEY_CHARS = 200;

/**
 * Printable ASCII without space or `/`: a key is part of a workflow id and of the gateway's URL, and `/` would
 * let `ask/<key>` name the workflow that stores a large answer of another ask (`ask/<key>/turn-<n>`).
 */
export const IDEMPOTENCY_KEY_RULE = `1-${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters, no space or "/"`;

const keySchema = z
  .string({ error: 'is required' })
  .min(1, 'is empty')
  .max(MAX_IDEMPOTENCY_KEY_CHARS, `is longer than ${MAX_IDEMPOTENCY_KEY_CHARS} characters`)
  .regex(/^[\x21-\x2E\x30-\x7E]+$/, `must be ${IDEMPOTENCY_KEY_RULE}`);

const MAX_TITLE_CHARS = 256;
const MAX_CALLBACK_ID_CHARS = 4096;
const MAX_DEADLINE_MS = 24 * 60 * 60_000;

const nonBlank = z.string().refine((text) => text.trim() !== '', 'is empty');

/** A duration string (`150s`, `2m`, `1500ms`) or a number of seconds, to milliseconds; as the CLI's `--deadline`. */
const deadlineSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = durationMs(String(value));
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as ${DURATION_EXAMPLES}` });
    return z.NEVER;
  }
  if (ms <= 0 || ms > MAX_DEADLINE_MS) {
    ctx.addIssue({ code: 'custom', message: 'must be more than 0 and at most 24h' });
    return z.NEVER;
  }
  return ms;
});

/**
 * Whether a body gives a question or a button to press. Runs even when other checks failed (so every bad field is
 * named at once), on whatever was sent: a question of another type is left to its own check.
 */
function asksOrPresses(body: { question?: unknown; callbackId?: unknown }): boolean {
  if (body.callbackId !== undefined) return true;
  if (body.question === undefined) return false;
  return typeof body.question !== 'string' || body.question.trim() !== '';
}

/** The request without its key: the gateway's JSON body. Unknown fields are refused (a typo is not ignored). */
export const askBodySchema = z
  .strictObject({
    question: z.string().optional(),
    callbackId: nonBlank.max(MAX_CALLBACK_ID_CHARS, `is longer than ${MAX_CALLBACK_ID_CHARS} characters`).optional(),
    conversation: z.array(nonBlank).optional(),
    title: z.string().max(MAX_TITLE_CHARS, `is longer than ${MAX_TITLE_CHARS} characters`).optional(),
    deadline: deadlineSchema.optional(),
    mode: z.enum(['poll', 'stream']).optional(),
  })
  // Checked even when other fields are wrong (`when`), so that every bad field is named at once.
  .refine((body) => asksOrPresses(body), {
    path: ['question'],
    message: 'is empty (or missing): give a question, or a callbackId with the turns before it',
    when: () => true,
  })
  .refine(
    (body) => body.callbackId === undefined || (Array.isArray(body.conversation) && body.conversation.length > 0),
    {
      path: ['callbackId'],
      message: 'presses a button of an earlier answer: give the turns before it in `conversation`',
      when: () => true,
    },
  );

function issuesOf(error: z.ZodError, prefix: string[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** The key, checked; InvalidRequestError (path `idempotencyKey`) when it breaks IDEMPOTENCY_KEY_RULE. */
export function checkIdempotencyKey(key: unknown): string {
  const parsed = keySchema.safeParse(key);
  if (!parsed.success) throw new InvalidRequestError(issuesOf(parsed.error, ['idempotencyKey']));
  return parsed.data;
}

/** The workflow of the ask with this key. */
export function askWorkflowId(key: string): string {
  return conversationWorkflowId(ASK_BATCH_ID, key);
}

export interface ParsedAsk {
  key: string;
  workflowId: string;
  input: ConversationInput;
}

/**
 * The workflow input of a request, every setting resolved. The turns' row ids are their positions (`t1`, `t2`,
 * …), so the input hash batch/start.ts stores in the memo covers exactly the question, the earlier turns and the
 * title: not the deadline or the mode, which say how to wait for the answer rather than what is asked.
 */
export function parseAskRequest(request: AskRequest): ParsedAsk {
  const { idempotencyKey, ...body } = request;
  const key = keySchema.safeParse(idempotencyKey);
  const parsed = askBodySchema.safeParse(body);
  const issues = [
    ...(key.success ? [] : issuesOf(key.error, ['idempotencyKey'])),
    ...(parsed.success ? [] : issuesOf(parsed.error)),
  ];
  if (!key.success || !parsed.success) throw new InvalidRequestError(issues);
  const { question = '', callbackId, conversation = [], title, deadline, mode } = parsed.data;
  const earlier: TurnInput[] = conversation.map((text, i) => ({ rowId: `t${i + 1}`, question: text }));
  const last: TurnInput = {
    rowId: `t${earlier.length + 1}`,
    question,
    ...(callbackId !== undefined && { callbackId }),
  };
  const input: ConversationInput = {
    batchId: ASK_BATCH_ID,
    conversationKey: key.data,
    title,
    turns: [...earlier, last],
    ...resolveTurnSettings({ deadlineMs: deadline, mode }),
    ...STARTER_FLAGS,
  };
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > MAX_CONVERSATION_INPUT_BYTES) {
    throw new InvalidRequestError([
      {
        path: '',
        message: `is too large for one workflow (${bytes} bytes of input, limit ${MAX_CONVERSATION_INPUT_BYTES})`,
      },
    ]);
  }
  return { key: key.data, workflowId: askWorkflowId(key.data), input };
}
