/** Entry point the worker bundles: every workflow type this project registers. */
export { conversationWorkflow, progressQuery } from './conversation';
export { turnResultWorkflow } from './turn-result';
export { apiCheckWorkflow } from './api-check';
export { evaluationRunWorkflow, evaluationProgressQuery } from './evaluation-run';
export { evaluationCaseWorkflow } from './evaluation-case';
export { questionGroupWorkflow, groupProgressQuery } from './question-group';
export { batchSettingsWorkflow } from './batch-settings';
