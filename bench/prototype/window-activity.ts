/**
 * PROTOTYPE for bench/compare.ts (variants WB and WGB), not part of the product: one activity that asks many questions
 * itself, `window` at a time, the next as soon as one is answered, as the plain script D does, so that no question
 * costs a workflow task, an activity task or a completion of its own. It measures what scenario 1 would gain if the
 * Temporal server's writes were paid per group, not per question (bench/COMPARE.md, "Session 17").
 *
 * Not exactly-once: a retry would ask every question again (the workflow gives it one attempt). The product would
 * need each question's conversation and response ids in the heartbeat, and the marker look-ups of
 * activities/reconcile.ts for the ones a dead attempt did not record.
 */
import { heartbeat } from '@temporalio/activity';
import { StreamError, type MoveworksClient } from '../../moveworks';
import { HEARTBEAT_EVERY_MS } from '../../activities/support';
import type { PrototypeAnswer, PrototypeQuestion } from './grouped-workflows';

export function createWindowActivities(moveworks: MoveworksClient) {
  return {
    async askInWindow(input: { questions: PrototypeQuestion[]; window: number }): Promise<PrototypeAnswer[]> {
      const answers: PrototypeAnswer[] = [];
      // One beat per interval whatever the number of questions, at the product's interval.
      const beats = setInterval(() => heartbeat({ answered: answers.length }), HEARTBEAT_EVERY_MS);
      const ask = async ({ rowId, question }: PrototypeQuestion): Promise<PrototypeAnswer> => {
        const conversation = await moveworks.createConversation({ title: question });
        const startedAt = Date.now();
        try {
          const stream = await moveworks.createResponseStream(conversation.conversation_id, { text: question });
          const response = await stream.finalResponse();
          const answerMs = Date.parse(response.completed_at ?? '') - Date.parse(response.created_at);
          return {
            rowId,
            status: response.status,
            latencyMs: Date.now() - startedAt,
            ...(answerMs >= 0 && { answerMs }),
          };
        } catch (err) {
          const status = err instanceof StreamError ? 'STREAM_BROKEN' : 'ERROR';
          return { rowId, status, latencyMs: Date.now() - startedAt };
        }
      };
      let next = 0;
      const lane = async () => {
        while (next < input.questions.length) answers.push(await ask(input.questions[next++]!));
      };
      try {
        await Promise.all(Array.from({ length: Math.min(input.window, input.questions.length) }, lane));
      } finally {
        clearInterval(beats);
      }
      return answers;
    },
  };
}

export type WindowActivities = ReturnType<typeof createWindowActivities>;
