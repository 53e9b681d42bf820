/**
 * `evaluationCaseWorkflow`: one conversation of one repeat of an evaluation run. It asks the conversation through
 * the conversation workflow, unchanged (its own ID, so every exactly-once guarantee of `submit` holds), then has its
 * answers checked by an activity that reads them from Temporal. It returns the verdicts only: the run workflow's
 * history holds no answer, however many and large they are. Workflow code: deterministic, no I/O.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowFailure, executeChild, proxyActivities } from '@temporalio/workflow';
import type { EvaluationActivities } from '../activities/evaluation';
import { BATCH_ID } from '../common/names';
import type { ConversationInput } from '../common/types';
import type { RowChecks, TurnVerdict } from '../evaluation/types';
import { conversationWorkflow } from './conversation';

export interface EvaluationCaseInput {
  conversationWorkflowId: string;
  conversation: ConversationInput;
  repeat: number;
  /** The checks of each turn, in turn order. */
  checks: RowChecks[];
}

const { checkConversation } = proxyActivities<EvaluationActivities>({
  // Reads the conversation's result from Temporal (a large answer from the workflow that stores it), then checks.
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function evaluationCaseWorkflow(input: EvaluationCaseInput): Promise<TurnVerdict[]> {
  const { conversationWorkflowId: workflowId, conversation } = input;
  try {
    await executeChild(conversationWorkflow, {
      workflowId,
      args: [conversation],
      typedSearchAttributes: [{ key: BATCH_ID, value: conversation.batchId }],
    });
  } catch (err) {
    // A conversation that ended without a result (terminated, failed) is checked as such: its turns did not pass.
    // One that already exists (this case was reset) is never asked again: its answers are checked.
    if (!(err instanceof ChildWorkflowFailure) && !(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return checkConversation({
    workflowId,
    repeat: input.repeat,
    turns: conversation.turns.map((turn, i) => ({ ...turn, checks: input.checks[i] ?? {} })),
  });
}
