/**
 * Payloads of the SSE events of POST .../responses/stream (docs/moveworks-api.md, "Create response stream").
 * On the wire: `event: <StreamEventType>` + `data: <json>`; the JSON repeats the name in `event_type`.
 */
import { z } from 'zod';
import { noteUnknown } from './unknown-values';
import {
  isMessageOutput,
  isReasoningOutput,
  OutputItemSchema,
  ResponseSchema,
  type OutputItem,
  type AssistantResponse,
} from './schemas';

export const STREAM_EVENT_TYPES = [
  'RESPONSE_CREATED',
  'RESPONSE_IN_PROGRESS',
  'RESPONSE_OUTPUT_DELTA',
  'RESPONSE_COMPLETED',
  'RESPONSE_FAILED',
  'ERROR',
] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

export function isStreamEventType(name: string): name is StreamEventType {
  return (STREAM_EVENT_TYPES as readonly string[]).includes(name);
}

/**
 * Required by the contract but never used here (order is the stream's order): a missing one is reported (kind
 * `shape`) instead of failing the event.
 */
const SequenceNumberSchema = z
  .number()
  .optional()
  .transform((value) => {
    if (value === undefined) noteUnknown('StreamEvent.sequence_number', 'missing', 'shape');
    return value;
  });

/** RESPONSE_CREATED, RESPONSE_IN_PROGRESS, RESPONSE_COMPLETED and RESPONSE_FAILED carry the whole response. */
export const ResponseEventDataSchema = z.looseObject({
  event_type: z.string().optional(),
  sequence_number: SequenceNumberSchema,
  response: ResponseSchema,
});
export type ResponseEventData = z.output<typeof ResponseEventDataSchema>;

/** One whole output item (not a token fragment); a MESSAGE delta likely repeats the text so far. */
export const OutputDeltaEventDataSchema = z.looseObject({
  event_type: z.string().optional(),
  sequence_number: SequenceNumberSchema,
  output: OutputItemSchema,
});
export type OutputDeltaEventData = z.output<typeof OutputDeltaEventDataSchema>;

/** Mid-stream failure. Only `error` is required by the spec; code and message are read leniently. */
export const StreamErrorEventDataSchema = z.looseObject({
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }),
});
export type StreamErrorEventData = z.output<typeof StreamErrorEventDataSchema>;

export type ResponseStreamEvent =
  | { event: 'RESPONSE_CREATED'; data: ResponseEventData }
  | { event: 'RESPONSE_IN_PROGRESS'; data: ResponseEventData }
  | { event: 'RESPONSE_OUTPUT_DELTA'; data: OutputDeltaEventData }
  | { event: 'RESPONSE_COMPLETED'; data: ResponseEventData }
  | { event: 'RESPONSE_FAILED'; data: ResponseEventData }
  | { event: 'ERROR'; data: StreamErrorEventData };

export const STREAM_EVENT_DATA_SCHEMAS = {
  RESPONSE_CREATED: ResponseEventDataSchema,
  RESPONSE_IN_PROGRESS: ResponseEventDataSchema,
  RESPONSE_OUTPUT_DELTA: OutputDeltaEventDataSchema,
  RESPONSE_COMPLETED: ResponseEventDataSchema,
  RESPONSE_FAILED: ResponseEventDataSchema,
  ERROR: StreamErrorEventDataSchema,
} as const satisfies Record<StreamEventType, z.ZodType>;

/** The events after which nothing more is read from the stream. */
export function isTerminalStreamEvent(event: ResponseStreamEvent): boolean {
  return event.event === 'RESPONSE_COMPLETED' || event.event === 'RESPONSE_FAILED' || event.event === 'ERROR';
}

/** The response ID an event reveals, if any. */
export function responseIdOf(event: ResponseStreamEvent): string | undefined {
  if (event.event === 'ERROR') return undefined;
  if (event.event === 'RESPONSE_OUTPUT_DELTA') return outputResponseId(event.data.output);
  return responseIdOfResponse(event.data.response);
}

function responseIdOfResponse(response: AssistantResponse): string | undefined {
  return response.response_id || undefined;
}

function outputResponseId(output: OutputItem): string | undefined {
  if (isMessageOutput(output)) return output.message.response_id || undefined;
  if (isReasoningOutput(output)) return output.reasoning_message.response_id || undefined;
  return undefined;
}
