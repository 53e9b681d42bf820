/**
 * Zod schemas for the Conversations API, beta (v1beta1) and v1 alike (the contract: docs/moveworks-api.md).
 * A tolerant reader:
 * - Every object is loose: unknown fields are kept, never rejected.
 * - Enums are open: an unknown value is kept as-is and reported through `parseReporting`'s
 *   `onUnknown`, so a new status or content type from Moveworks degrades instead of crashing.
 * - A known content or action type whose body is not the documented one is kept and reported (kind `shape`);
 *   the answer falls back to any text it holds.
 * - `attributes[].value` may be any JSON value (the contract calls attributes opaque).
 * - Required fields follow the OpenAPI document, except `Message.actor` (optional here).
 */
import { z } from 'zod';
import { looksTerminal, RESPONSE_STATUSES } from './statuses';
import { jsonTypeOf, malformedKnownVariant, noteUnknown, openEnum, unknownVariant } from './unknown-values';

export { isTerminalStatus, looksTerminal, RESPONSE_STATUSES, UNKNOWN_STATUS } from './statuses';

export { parseReporting, reportingOnce, type UnknownKind, type UnknownReporter } from './unknown-values';

// ---------------------------------------------------------------- enums

export const ResponseStatusSchema = openEnum('Response.status', RESPONSE_STATUSES, (value) =>
  looksTerminal(value) ? 'terminal_status' : 'enum',
);
export type ResponseStatus = z.output<typeof ResponseStatusSchema>;

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
/** A known content type whose body is not the documented one: kept, reported, read for any text it holds. */
export const MalformedContentSchema = malformedKnownVariant('Content', CONTENT_TYPES);
export const ContentSchema = z.union([
  PlainTextContentSchema,
  CommonmarkTextContentSchema,
  MarkdownTextContentSchema,
  CallbackActionContentSchema,
  UnknownContentSchema,
  MalformedContentSchema,
]);
export type PlainTextContent = z.output<typeof PlainTextContentSchema>;
export type CommonmarkTextContent = z.output<typeof CommonmarkTextContentSchema>;
export type MarkdownTextContent = z.output<typeof MarkdownTextContentSchema>;
export type CallbackActionContent = z.output<typeof CallbackActionContentSchema>;
export type UnknownContent = z.output<typeof UnknownContentSchema>;
export type MalformedContent = z.output<typeof MalformedContentSchema>;
export type Content = z.output<typeof ContentSchema>;

// ---------------------------------------------------------------- citations, feedback

const AttributeValueSchema = z.unknown().transform((value) => {
  if (typeof value !== 'string') noteUnknown('Display.attributes.value', jsonTypeOf(value), 'shape');
  return value;
});

export const DisplaySchema = z.looseObject({
  title: ContentSchema.nullish(),
  body: ContentSchema.nullish(),
  /** Opaque per the contract: `value` is documented as a string, but any JSON value is kept (and reported). */
  attributes: z.array(z.looseObject({ key: z.string(), value: AttributeValueSchema })).nullish(),
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

// ---------------------------------------------------------------- actions (v1)

export const ACTION_TYPES = ['CALLBACK_ACTION', 'URL_ACTION'] as const;
/** A button: send its `callback_id` as the next input (`{ callbackId }`) to press it. */
export const CallbackActionSchema = z.looseObject({
  type: z.literal('CALLBACK_ACTION'),
  label: z.string(),
  callback_action: z.looseObject({ callback_id: z.string() }),
});
/** A link. */
export const UrlActionSchema = z.looseObject({
  type: z.literal('URL_ACTION'),
  label: z.string(),
  url_action: z.looseObject({ url: z.string() }),
});
export const UnknownActionSchema = z.looseObject({ type: unknownVariant('Action.type', ACTION_TYPES) });
export const MalformedActionSchema = malformedKnownVariant('Action', ACTION_TYPES);
export const ActionSchema = z.union([
  CallbackActionSchema,
  UrlActionSchema,
  UnknownActionSchema,
  MalformedActionSchema,
]);
export type CallbackAction = z.output<typeof CallbackActionSchema>;
export type UrlAction = z.output<typeof UrlActionSchema>;
export type Action = z.output<typeof ActionSchema>;

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
  /** v1: buttons and links the user can press (extractAnswer lists them). */
  actions: z.array(ActionSchema).nullish(),
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
  /** Why a FAILED response failed, when the server says (undocumented: any shape is kept; extractAnswer reads it). */
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
