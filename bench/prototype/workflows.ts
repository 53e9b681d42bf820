/**
 * The workflow bundle of bench/compare.ts's prototype variants (GA, GB, LA, LB, QB, QGB, WB, WGB): the product's
 * workflows and the prototypes of bench/prototype/grouped-workflows.ts. Variants A and B run the product's own bundle.
 */
export * from '../../workflows';
export { askUpdate, finishSignal, groupedQuestionsWorkflow, laneWorkflow, windowWorkflow } from './grouped-workflows';
