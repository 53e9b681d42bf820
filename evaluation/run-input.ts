/**
 * A suite as a run's workflow input carries it: its conversations, each turn with its checks, tags and pass-through
 * cells. Built by `eval` from the file it read, and by a worker from a schedule's `--suite-path`.
 */
import { ConfigError } from '../common/errors';
import { groupConversations } from '../batch/questions';
import { MAX_CONVERSATION_INPUT_BYTES } from '../batch/submit-file';
import type { Suite, SuiteRow } from './suite';
import type { EvaluationConversation, EvaluationRunInput } from './types';

export function conversationsOf(suite: Suite): EvaluationConversation[] {
  return groupConversations(suite.rows).map((conversation) => ({
    key: conversation.key,
    conversation: conversation.rows[0]?.conversation,
    title: conversation.title,
    // groupConversations keeps the rows it is given: these are the suite's rows, with their checks
    turns: (conversation.rows as SuiteRow[]).map(({ rowId, question, line, callbackId, checks, tags, extra }) => ({
      rowId,
      question,
      line,
      ...(callbackId !== undefined && { callbackId }),
      checks,
      tags,
      extra,
    })),
  }));
}

export function suiteOf(suite: Suite): EvaluationRunInput['suite'] {
  return { name: suite.name, sha256: suite.file.sha256, columns: suite.file.columns };
}

/**
 * A run's input must fit one workflow input, as a conversation of `submit` must (Temporal refuses a payload over
 * 2 MB). `hint` says what to do instead.
 */
export function checkInputSize(path: string, input: EvaluationRunInput, hint: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes <= MAX_CONVERSATION_INPUT_BYTES) return;
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  throw new ConfigError(
    `${path}: the suite (with its checks and the baseline's digest) is ${mib(bytes)} as workflow input, over the ` +
      `${mib(MAX_CONVERSATION_INPUT_BYTES)} one run accepts; ${hint}. Nothing was asked.`,
  );
}
