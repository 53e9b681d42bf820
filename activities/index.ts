/**
 * The HTTP activities a worker registers on the API task queue, built by a factory over their dependencies (the
 * Moveworks client and its credentials stay in the worker). The workflows import only the type.
 */
export { createActivities, type Activities, type ActivityDeps } from './create-activities';
export type { ApiCheckResult } from './api-check';
