/**
 * `mwbatch ask "question"`: one question through the library's path (library/client.ts), answer on stdout. With
 * `--idempotency-key KEY` a retried command never asks twice: it attaches to the first ask and prints its answer.
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
}

/** The answer and its citations on stdout; a question that did not complete says why on stderr. */
function printAnswer(result: AskResult): void {
  if (result.status === 'COMPLETED') {
    printText(result.answer);
    for (const c of result.citations) printText(`  [${c.title ?? c.citationId ?? 'source'}] ${c.url ?? ''}`.trimEnd());
    return;
  }
  const { code = '', message = '' } = result.error ?? {};
  logText(`${result.status}: ${code} ${message}`.trim());
}

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .description('ask one question and print the answer')
    .argument('<question>', 'the question')
    .option('--title <title>', 'conversation title')
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .option(
      '--idempotency-key <key>',
      `names the request: run again with the same key, the first answer is printed and nothing is asked again (${IDEMPOTENCY_KEY_RULE})`,
    )
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (question: string, opts: AskOptions) => {
      process.exitCode = await withClient(async (temporal, settings) => {
        const client = new MwbatchClient(temporal, settings.taskQueue);
        const key = opts.idempotencyKey ?? randomUUID();
        const handle = await client.start({
          question,
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
