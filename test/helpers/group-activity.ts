/**
 * What a running question group's `openConversations` activity last heartbeat (activities/open-conversations.ts),
 * read as an operator reads it in the Web UI: from the workflow's pending activity.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { GroupCheckpoint } from '../../activities/open-conversations';

/** The conversation keys the group's activity has answered so far; none before its first heartbeat. */
export async function answeredInGroupActivity(handle: WorkflowHandle): Promise<string[]> {
  const { raw } = await handle.describe();
  const details = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  return details ? defaultPayloadConverter.fromPayload<GroupCheckpoint>(details).answered : [];
}
