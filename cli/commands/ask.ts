/** `mwbatch ask "question"`: one question through the same durable path, answer on stdout. */
import { createHash, randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { ConfigError } from '../../common/errors';
import { safeForTerminal } from '../../common/terminal';
import { DEFAULT_TURN_DEADLINE_MS, resolveTurnSettings, type ConversationInput } from '../../common/types';
import { startOrAttach } from '../../batch/start';
import { deadlineOption, modeOption, withClient } from './common';

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .description('ask one question and print the answer')
    .argument('<question>', 'the question')
    .option('--title <title>', 'conversation title')
    .addOption(deadlineOption(DEFAULT_TURN_DEADLINE_MS))
    .addOption(modeOption())
    .action(async (question: string, opts) => {
      if (!question.trim()) throw new ConfigError('the question is empty');
      process.exitCode = await withClient(async (client, settings) => {
        const rowId = `q-${createHash('sha256').update(question).digest('hex').slice(0, 12)}`;
        const input: ConversationInput = {
          batchId: `ask-${randomUUID()}`,
          conversationKey: rowId,
          title: opts.title,
          turns: [{ rowId, question }],
          ...resolveTurnSettings({ deadlineMs: opts.deadline, mode: opts.mode }),
        };
        const { handle } = await startOrAttach(client, settings.taskQueue, input);
        const [turn] = (await handle.result()).turns;
        if (turn?.status === 'COMPLETED') {
          console.log(safeForTerminal(turn.answer, { keepNewlines: true }));
          for (const c of turn.citations)
            console.log(safeForTerminal(`  [${c.title ?? c.citationId ?? 'source'}] ${c.url ?? ''}`.trimEnd()));
          return 0;
        }
        console.error(
          safeForTerminal(`${turn?.status}: ${turn?.errorCode ?? ''} ${turn?.errorMessage ?? ''}`.trim(), {
            keepNewlines: true,
          }),
        );
        return 1;
      });
    });
}
