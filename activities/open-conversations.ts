/**
 * A group's single-turn conversations asked by one activity, at most `atOnce` at a time, the next as soon as one is
 * answered: no conversation costs an activity task, a completion or a workflow task of its own (bench/COMPARE.md,
 * sessions 17 and 18: a third of the CPU per question of an activity each).
 *
 * It decides nothing about exactly-once itself: it only asks on its first attempt, with nothing earlier to find,
 * and every conversation off that happy path is handed back with its checkpoint (a failed POST or stream, a
 * deadline passed, an answer over the result's budget, a cancellation), for the workflow to ask through
 * `openConversation`, which looks for what was created before it posts again (activities/create-activities.ts). A
 * later attempt (the worker died) asks nothing: it hands every conversation back with the checkpoints the first
 * one heartbeated, the conversation and response ids, by conversation key.
 */
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { MoveworksClient } from '../moveworks';
import type {
  OpenConversationOutput,
  OpenConversationsInput,
  OpenConversationsOutput,
  OpeningCheckpoint,
} from '../common/activity-types';
import { AnswerTimes } from '../common/answer-times';
import { mapAtMost } from '../common/at-most';
import type { PollSchedule } from '../common/types';
import { RejectedAttempts, titleWithMarker } from './reconcile';
import { postAndPoll, postAndStream, type SubmissionAttempt, type SubmissionCheckpoint } from './submission';
import { activityKey, HEARTBEAT_EVERY_MS, markerOf } from './support';

/**
 * What openConversations heartbeats: each conversation's checkpoint by its key, and the keys of those answered so far
 * (what an operator sees of a running group: the Web UI shows a pending activity's last heartbeat).
 */
export interface GroupCheckpoint {
  byKey: Record<string, OpeningCheckpoint>;
  answered: string[];
}

export function createGroupOpeningActivities({
  moveworks,
  severalRequests,
}: {
  moveworks: MoveworksClient;
  severalRequests: boolean;
}) {
  return {
    async openConversations(input: OpenConversationsInput): Promise<OpenConversationsOutput> {
      const info = activityInfo();
      const sinceMs = info.scheduledTimestampMs;
      const handBack = (checkpoint: OpeningCheckpoint = {}) => ({ handedBack: { ...checkpoint, sinceMs } });
      // Under a rate limit each request must be an activity of its own; after a failed attempt, what it created is
      // found by openConversation. Either way nothing is asked here.
      if (!severalRequests || info.attempt > 1) {
        const earlier = (info.heartbeatDetails as GroupCheckpoint | undefined)?.byKey ?? {};
        return { conversations: input.conversations.map((c) => handBack(earlier[c.markerKey])) };
      }

      const byKey: Record<string, OpeningCheckpoint> = {};
      const answered: string[] = [];
      const beatAll = () => heartbeat({ byKey, answered } satisfies GroupCheckpoint);
      const beats = setInterval(beatAll, HEARTBEAT_EVERY_MS);
      let budgetLeft = input.resultBudgetBytes;
      const key = activityKey();
      const cancelled = cancellationSignal();

      // Poll mode: once this group has seen enough answers, its later questions are first polled when answers
      // come, as the client times the groups it starts later (common/answer-times.ts); the client's figure wins.
      const answerTimes = new AnswerTimes();
      const inlinePolls = (poll: PollSchedule | undefined): PollSchedule | undefined =>
        poll && (poll.inlineMs ?? 0) > 0
          ? { ...poll, firstPollMs: poll.firstPollMs ?? answerTimes.firstPollMs() }
          : undefined;

      const ask = async (conversation: OpenConversationsInput['conversations'][number]) => {
        const startedAtMs = Date.now();
        const checkpoint: SubmissionCheckpoint = { conversationPosts: 0, responsePosts: 0, startedAtMs };
        byKey[conversation.markerKey] = checkpoint;
        const signal = AbortSignal.any([cancelled, AbortSignal.timeout(input.perConversationMs)]);
        try {
          const title = titleWithMarker(
            conversation.title ?? conversation.firstQuestion,
            markerOf(conversation.markerKey),
          );
          checkpoint.conversationPosts! += 1;
          const created = await moveworks.createConversation({ title }, { signal });
          checkpoint.conversationId = created.conversation_id;
          const { firstTurn } = conversation;
          const turn = { conversationId: created.conversation_id, question: firstTurn.question };
          const run: SubmissionAttempt = {
            moveworks,
            rejected: new RejectedAttempts(), // nothing is retried here: openConversation retries
            key: `${key}/${conversation.markerKey}`,
            attempt: 1,
            signal,
            scheduledMs: sinceMs,
            mayHavePosted: false,
            checkpoint,
            record: beatAll,
          };
          const submitted =
            firstTurn.mode === 'stream'
              ? await postAndStream(run, turn)
              : await postAndPoll(run, turn, inlinePolls(firstTurn.poll));
          const answeredAtMs = Date.now();
          if (submitted.status === 'COMPLETED') answerTimes.addAnswerMs(submitted.answerMs);
          const opened: OpenConversationOutput = {
            conversationId: created.conversation_id,
            attempt: 1,
            reconciled: false,
            submitted: { ...submitted, attempt: 1 },
          };
          const bytes = Buffer.byteLength(JSON.stringify(opened));
          if (bytes > budgetLeft) return handBack(checkpoint); // fetched by the workflow, through its own result
          budgetLeft -= bytes;
          answered.push(conversation.markerKey);
          return { opened, startedAtMs, answeredAtMs };
        } catch (err) {
          log.info('handing the conversation back to its own activity', {
            markerKey: conversation.markerKey,
            reason: err instanceof Error ? err.message : String(err),
          });
          return handBack(checkpoint);
        }
      };

      try {
        // Once cancelled, the conversations not started yet are handed back unasked.
        const conversations = await mapAtMost(input.conversations, input.atOnce, (conversation) =>
          cancelled.aborted ? Promise.resolve(handBack()) : ask(conversation),
        );
        return { conversations };
      } finally {
        clearInterval(beats);
      }
    },
  };
}
