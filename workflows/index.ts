/** Entry point the worker bundles: every workflow type this project registers. */
export { conversationWorkflow, progressQuery } from './conversation';
