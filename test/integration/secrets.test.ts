/** The bearer token and client secret stay in the worker: never in the exported history of a workflow. */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { CONVERSATION_WORKFLOW_TYPE } from '../../common/names';
import type { ConversationInput, ConversationResult } from '../../common/types';
import { ClientCredentialsAuth } from '../../moveworks';
import { startStackForTest } from '../helpers/stack';

/** The exported JSON keeps payloads base64-encoded: append every decoded payload so a search sees the text. */
function withDecodedPayloads(exported: string): string {
  const decoded = [...exported.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('utf8'),
  );
  return [exported, ...decoded].join('\n');
}

describe('secrets', () => {
  it('keeps the bearer token and client secret out of the exported history', async () => {
    const token = `static-${randomUUID()}`;
    const clientSecret = `secret-${randomUUID()}`;
    const stack = await startStackForTest({
      simulator: { token, clientSecret, answerDelayMs: 200 },
      auth: (sim) => new ClientCredentialsAuth({ tokenUrl: sim.tokenUrl, clientId: sim.config.clientId, clientSecret }),
    });
    const batchId = `b-${randomUUID()}`;
    const input: ConversationInput = {
      batchId,
      conversationKey: 'c1',
      turns: [
        { rowId: 'r1', question: 'who holds the keys?' },
        { rowId: 'r2', question: 'refused? [sim:fail]' },
      ],
      poll: { firstDelayMs: 200, factor: 1.5, maxDelayMs: 1000 },
    };
    const workflowId = `${batchId}/c1`;
    const result = await stack.client.workflow.execute<(i: ConversationInput) => Promise<ConversationResult>>(
      CONVERSATION_WORKFLOW_TYPE,
      { taskQueue: stack.taskQueue, workflowId, args: [input] },
    );
    expect(result.turns.map((t) => t.status)).toEqual(['COMPLETED', 'FAILED']);

    // Export the history the way an operator would, with the Temporal CLI.
    const exported = execFileSync(
      inject('temporalCli'),
      ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', inject('temporalAddress')],
      { encoding: 'utf8' },
    );
    const text = withDecodedPayloads(exported);
    expect(text).toContain('who holds the keys?');
    for (const secret of [token, clientSecret]) expect(text).not.toContain(secret);
    expect(text).not.toContain('mwt_'); // the prefix of every token the simulator's token endpoint issues
    expect(stack.sim.requests().some((r) => r.route === '/oauth/v1/token')).toBe(true);
  });
});
