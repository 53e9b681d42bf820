/**
 * Zod schemas for the v1beta1 Conversations API (the contract: docs/moveworks-api.md).
 * - Every object is loose: unknown fields are kept, never rejected.
 * - Enums are open: an unknown value is kept as-is and reported through `parseReporting`'s
 *   `onUnknown`, so a new status or content type from Moveworks degrades instead of crashing.
 * - Required fields follow the OpenAPI document, except `Message.actor` (optional here).
 */
import { z } from 'zod';
import { openEnum, unknownVariant } from './unknown-values';

export { parseReporting, type UnknownReporter } from './unknown-values';

// ---------------------------------------------------------------- enums

export const RESPONSE_STATUSES = ['CREATED', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
export const ResponseStatusSchema = openEnum('Response.status', RESPONSE_STATUSES);
export type ResponseStatus = z.output<typeof ResponseStatusSchema>;

/** COMPLETED and FAILED are the only terminal states; unknown statuses count as not terminal. */
export function isTerminalStatus(status: ResponseStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

export const ActorTypeSchema = openEnum('Message.actor', ['USER', 'ASSISTANT']);
export type ActorType = z.output<typeof ActorTypeSchema>;

export const EventTypeSchema = openEnum('EventPayload.type', ['MESSAGE_EVENT']);
export type EventType = z.output<typeof EventTypeSchema>;

export const FeedbackStatusSchema = openEnum('FeedbackResult.status', ['SUBMITTED']);

// ---------------------------------------------------------------- content

const TextBodySchema = z.looseObject({ text: z.string() });

export const CONTENT_TYPES = ['PLAIN_TEXT', 'COMMONMARK_TEXT', 'MARKDOWN_TEXT', 'CALLBACK_ACTION_CONTENT'] as const;
export const PlainTextContentSchema = z.looseObject({ type: z.literal('PLAIN_TEXT'), plain_text: TextBodySchema });
export const CommonmarkTextContentSchema = z.looseObject({
  type: z.literal('COMMONMARK_TEXT'),
  commonmark_text: TextBodySchema,
});
export const MarkdownTextContentSchema = z.looseObject({
  type: z.literal('MARKDOWN_TEXT'),
  markdown_text: TextBodySchema,
});
/** v1+: a user message that was a button press. */
export const CallbackActionContentSchema = z.looseObject({
  type: z.literal('CALLBACK_ACTION_CONTENT'),
  callback_action: z.looseObject({ callback_id: z.string() }),
});
export const UnknownContentSchema = z.looseObject({ type: unknownVariant('Content.type', CONTENT_TYPES) });
export const ContentSchema = z.union([
  PlainTextContentSchema,
  CommonmarkTextContentSchema,
  MarkdownTextContentSchema,
  CallbackActionContentSchema,
  UnknownContentSchema,
]);
export type PlainTextContent = z.output<typeof PlainTextContentSchema>;
export type CommonmarkTextContent = z.output<typeof CommonmarkTextContentSchema>;
export type MarkdownTextContent = z.output<typeof MarkdownTextContentSchema>;
export type CallbackActionContent = z.output<typeof CallbackActionContentSchema>;
export type UnknownContent = z.output<typeof UnknownContentSchema>;
export type Content = z.output<typeof ContentSchema>;

// ---------------------------------------------------------------- citations, feedback

export const DisplaySchema = z.looseObject({
  title: ContentSchema.nullish(),
  body: ContentSchema.nullish(),
  attributes: z.array(z.looseObject({ key: z.string(), value: z.string() })).nullish(),
});
export type Display = z.output<typeof DisplaySchema>;

export const CitationSchema = z.looseObject({
  citation_id: z.string().nullish(),
  url: z.string().nullish(),
  display: DisplaySchema.nullish(),
  /** Deprecated by Moveworks; not populated from May 12, 2026. */
  location: z.looseObject({ offset: z.number().nullish() }).nullish(),
});
export type Citation = z.output<typeof CitationSchema>;

export const CitationContentReferenceSchema = z.looseObject({ citation_id: z.string(), offset: z.number() });
export type CitationContentReference = z.output<typeof CitationContentReferenceSchema>;

const FeedbackOptionSchema = z.looseObject({ callback_id: z.string() });
export const MessageFeedbackSchema = z.looseObject({
  helpful: FeedbackOptionSchema.nullish(),
  unhelpful: FeedbackOptionSchema.nullish(),
});
export type MessageFeedback = z.output<typeof MessageFeedbackSchema>;

// ---------------------------------------------------------------- messages and outputs

export const MessageSchema = z.looseObject({
  message_id: z.string(),
  conversation_id: z.string(),
  response_id: z.string(),
  actor: ActorTypeSchema.optional(),
  content: ContentSchema,
  created_at: z.string(),
  citations: z.array(CitationSchema).nullish(),
  content_references: z.array(CitationContentReferenceSchema).nullish(),
  feedback: MessageFeedbackSchema.nullish(),
  /** v1+ buttons; kept opaque here. */
  actions: z.array(z.unknown()).nullish(),
});
export type Message = z.output<typeof MessageSchema>;

export const ReasoningMessageSchema = z.looseObject({
  reasoning_message_id: z.string(),
  conversation_id: z.string(),
  response_id: z.string(),
  content: ContentSchema,
  created_at: z.string(),
});
export type ReasoningMessage = z.output<typeof ReasoningMessageSchema>;

export const OUTPUT_TYPES = ['MESSAGE', 'REASONING_MESSAGE'] as const;
export const MessageOutputSchema = z.looseObject({ type: z.literal('MESSAGE'), message: MessageSchema });
export const ReasoningOutputSchema = z.looseObject({
  type: z.literal('REASONING_MESSAGE'),
  reasoning_message: ReasoningMessageSchema,
});
export const UnknownOutputSchema = z.looseObject({ type: unknownVariant('OutputItem.type', OUTPUT_TYPES) });
export const OutputItemSchema = z.union([MessageOutputSchema, ReasoningOutputSchema, UnknownOutputSchema]);
export type MessageOutput = z.output<typeof MessageOutputSchema>;
export type ReasoningOutput = z.output<typeof ReasoningOutputSchema>;
export type OutputItem = z.output<typeof OutputItemSchema>;

// The catch-all variant excludes known type names, so checking `type` is enough to narrow.
export function isMessageOutput(item: OutputItem): item is MessageOutput {
  return item.type === 'MESSAGE';
}
export function isReasoningOutput(item: OutputItem): item is ReasoningOutput {
  return item.type === 'REASONING_MESSAGE';
}

// ---------------------------------------------------------------- conversations, responses, events

export const ConversationSchema = z.looseObject({
  conversation_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  title: z.string().nullish(),
  archived: z.boolean().nullish(),
});
export type Conversation = z.output<typeof ConversationSchema>;

export const ResponseSchema = z.looseObject({
  response_id: z.string(),
  conversation_id: z.string(),
  status: ResponseStatusSchema,
  created_at: z.string(),
  completed_at: z.string().nullish(),
  outputs: z.array(OutputItemSchema).nullish(),
  /** Early-draft fields, shape undocumented: kept for diagnostics. */
  updated_at: z.string().nullish(),
  error: z.unknown().optional(),
});
/** A response: the assistant's answer to one submitted question (named so it never shadows the global fetch `Response`). */
export type AssistantResponse = z.output<typeof ResponseSchema>;

export const ConversationEventSchema = z.looseObject({
  event_id: z.string(),
  conversation_id: z.string(),
  event_payload: z.looseObject({ type: EventTypeSchema, message: MessageSchema.nullish() }),
  created_at: z.string().nullish(),
});
export type ConversationEvent = z.output<typeof ConversationEventSchema>;

// ---------------------------------------------------------------- envelopes

export const MetadataSchema = z.looseObject({ next_cursor: z.string().nullish() });
export type Metadata = z.output<typeof MetadataSchema>;

export const ConversationListSchema = z.looseObject({
  conversations: z.array(ConversationSchema),
  metadata: MetadataSchema.nullish(),
});
export const MessageListSchema = z.looseObject({
  messages: z.array(MessageSchema),
  metadata: MetadataSchema.nullish(),
});
export const EventListSchema = z.looseObject({
  events: z.array(ConversationEventSchema),
  metadata: MetadataSchema.nullish(),
});
export const ResponseMessagesSchema = z.looseObject({ messages: z.array(MessageSchema) });

export const FeedbackResultSchema = z.looseObject({ status: FeedbackStatusSchema });
export type FeedbackResult = z.output<typeof FeedbackResultSchema>;

export const ErrorBodySchema = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.output<typeof ErrorBodySchema>;
