/**
 * The backstop behind submit's up-front check (visibility can lag a just-started workflow): startOrAttach itself
 * refuses to attach to a workflow whose input hash differs, accepts one without a hash (an older mwbatch), and
 * tells a start from an attach whether the workflow is running or closed.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { BATCH_ID, CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput } from '../../common/types';
import { InputMismatchError } from '../../common/errors';
import { startOrAttach } from '../../batch/start';
import { useTestStack } from '../helpers/stack';

const stack = useTestStack({ simulator: { answerDelayMs: 100 } });

function conversation(question: string, options: Partial<ConversationInput> = {}): ConversationInput {
  return {
    batchId: `attach-${randomUUID().slice(0, 8)}`,
    conversationKey: 'row1',
    turns: [{ rowId: 'row1', question, line: 7 }],
    ...options,
  };
}

describe('startOrAttach', () => {
  it('attaches to the same input (running, then closed), whatever the options', async () => {
    const input = conversation('same question [sim:delay=1000]');
    const first = await startOrAttach(stack.client, stack.taskQueue, input);
    expect(first.started).toBe(true);
    const running = await startOrAttach(stack.client, stack.taskQueue, {
      ...input,
      deadlineMs: 60_000,
      mode: 'stream',
    });
    expect(running.started).toBe(false);
    await first.handle.result();
    // The row moved in the file: its line is not part of the input that counts.
    const moved = { ...input, turns: [{ rowId: 'row1', question: 'same question [sim:delay=1000]', line: 9 }] };
    const closed = await startOrAttach(stack.client, stack.taskQueue, moved);
    expect(closed.started).toBe(false);
    expect(stack.sim.stats().conversationsCreated).toBe(1);
  });

  it('refuses a different question or title under the same workflow ID, naming the row', async () => {
    const input = conversation('the original question');
    await (await startOrAttach(stack.client, stack.taskQueue, input)).handle.result();
    const edited = { ...input, turns: [{ rowId: 'row1', question: 'an edited question', line: 7 }] };
    const refusal = startOrAttach(stack.client, stack.taskQueue, edited);
    await expect(refusal).rejects.toBeInstanceOf(InputMismatchError);
    await expect(refusal).rejects.toThrow(/line 7 \(id row1\)/);
    await expect(
      startOrAttach(stack.client, stack.taskQueue, { ...input, title: 'a new title' }),
    ).rejects.toBeInstanceOf(InputMismatchError);
  });

  it('accepts a workflow an older mwbatch started without the input hash', async () => {
    const input = conversation('asked by an older version');
    await stack.client.workflow.start(CONVERSATION_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `${input.batchId}/${input.conversationKey}`,
      args: [input],
      typedSearchAttributes: [{ key: BATCH_ID, value: input.batchId }],
    });
    const attached = await startOrAttach(stack.client, stack.taskQueue, {
      ...input,
      turns: [{ rowId: 'row1', question: 'edited' }],
    });
    expect(attached.started).toBe(false);
  });
});
