/** The typed Moveworks Conversations API client. Knows nothing of Temporal. */
export * from './answer';
export * from './api-flavour';
export * from './auth';
export * from './client';
export type { CallOptions, Operation } from './deadline';
export * from './errors';
export * from './http-errors';
export * from './limits';
export * from './pagination';
export { redactor, type Redactor } from './redact';
export * from './retry-after';
export * from './schemas';
export { readServerSentEvents, type ServerSentEvent, type ServerSentEventsOptions } from './sse';
export { ResponseStream, type ResponseStreamInit } from './stream';
export * from './stream-events';
