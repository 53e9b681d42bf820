/**
 * `mwbatch ask "question"`: one question through the library's path (library/client.ts), answer on stdout. With
 * `--idempotency-key KEY` a retried command never asks twice: it attaches to the first ask and prints its answer.
 * `--earlier` turns are asked first in the same conversation; `--callback-id` then presses a button of the last
 * one's answer instead of asking (v1 API).
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DEFAULT_TURN_DEADLINE_MS, type TurnMode } from '../../common/types';
import { MwbatchClient, type AskResult } from '../../library/client';
import { IDEMPOTENCY_KEY_RULE } from '../../library/request';
import { logText, printJson, printText } from '../output';
import { deadlineOption, modeOption, withClient } from './common';

interface AskOptions {
  title?: string;
  deadline: number;
  mode: TurnMode;
  idempotencyKey?: string;
  json?: boolean;
  earlier: string[];
  callbackId?: string;
}

const collect = (value: string, earlier: string[]): string[] => [...earlier, value];

/** The answer and its citations on stdout; a question that did not complete says why on stderr. */
function printAnswer(result: AskResult): void {
  if (result.status === 'COMPLETED') {
    printText(result.answer);
    for (const c of result.citations) printText(`  [${c.title ?? c.citationId ?? 'source'}] ${c.url ?? ''}`.trimEnd());
    for (const a of result.actions ?? []) {
      if (a.type === 'CALLBACK_ACTION')
        printText(`  (button) ${a.label ?? ''}: --callback-id 'label:${a.label ?? ''}'`);
      else if (a.url) printText(`  (link) ${a.label ?? ''} ${a.url}`);
    }
    return;
  }
  const { code = '', message = '' } = result.error ?? {};
  logText(`${result.status}: ${code} ${message}`.trim());
}

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .description('ask one question and print the answer')
    .argument('[question]', 'the question (with --callback-id: optional, a description kept with the result)')
    .option(
      '--earlier <question>',
      'an earlier turn, asked first in the same conversation (repeat, in order)',
      collect,
      [],
    )
    .option(
      '--callback-id <id>',
      "press a button the last --earlier turn's answer offered instead of asking: its callback ID, or label:<label> (v1 API)",
    )
    .option('--title <title>', 'conversation title')
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .option(
      '--idempotency-key <key>',
      `names the request: run again with the same key, the first answer is printed and nothing is asked again (${IDEMPOTENCY_KEY_RULE})`,
    )
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (question: string | undefined, opts: AskOptions) => {
      process.exitCode = await withClient(async (temporal, settings) => {
        const client = new MwbatchClient(temporal, settings.taskQueue);
        const key = opts.idempotencyKey ?? randomUUID();
        const handle = await client.start({
          question,
          ...(opts.earlier.length > 0 && { conversation: opts.earlier }),
          ...(opts.callbackId !== undefined && { callbackId: opts.callbackId }),
          idempotencyKey: key,
          title: opts.title,
          deadline: `${opts.deadline}ms`,
          mode: opts.mode,
        });
        const result = await handle.result();
        if (opts.json) printJson({ key, workflowId: handle.workflowId, ...result });
        else printAnswer(result);
        return result.status === 'COMPLETED' ? 0 : 1;
      });
    });
}
