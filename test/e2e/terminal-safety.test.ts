/**
 * An answer that carries escape sequences reaches the user's terminal as plain text: `mwbatch ask`, run as a
 * process against the simulator (whose answer quotes the question, escape sequences and all), prints it with the
 * colours, hyperlink, window title, bell and bidi override taken out.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationResult } from '../../common/types';
import { expectedAnswer } from '../../simulator';
import { runCli } from '../helpers/cli';
import { useCliStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const { stack, env } = useCliStack();

const ESC = '\u001b';
const BEL = '\u0007';

describe('mwbatch ask', () => {
  it('prints an answer with escape sequences stripped, while the API answered them raw', async () => {
    const question =
      `Is ${ESC}[31mred${ESC}[0m safe? ${ESC}]8;;https://evil.example/${ESC}\\see the policy${ESC}]8;;${ESC}\\ ` +
      `${ESC}]0;owned${BEL}\u009b2Jnow \u202Eesrever\u202C${BEL}`;
    const visible = 'Is red safe? see the policy now esrever';
    const run = await runCli(['ask', question], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const [answer, ...citations] = run.stdout.trimEnd().split('\n');
    expect(answer).toBe(expectedAnswer(question).replace(question, visible));
    expect(citations.length).toBeGreaterThan(0);
    for (const control of [ESC, BEL, '\u009b', '\u202e', '\u202c']) expect(run.stdout).not.toContain(control);

    // The workflow's result holds the answer as the API gave it, sequences and all: only the printing strips them.
    const workflowId = await waitFor('the ask workflow to be listed', async () => {
      for await (const wf of stack.client.workflow.list({ query: `TaskQueue="${stack.taskQueue}"` }))
        return wf.workflowId;
      return undefined;
    });
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as ConversationResult;
    expect(result.turns[0]?.answer).toBe(expectedAnswer(question));
  });
});
