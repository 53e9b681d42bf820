/**
 * The errors the library throws besides Temporal's own: a request that is not valid, an idempotency key reused for
 * another request, an unknown key. The first two are bad input (exit code 2 in the CLI, 422 / 409 in the gateway).
 */
import { ConfigError } from '../common/errors';

export { UnreachableTemporalError } from '../common/errors';

/** One field of a request that is not valid: `path` as `question`, `conversation.2`, `idempotencyKey`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The request does not pass validation; `issues` names every bad field. */
export class InvalidRequestError extends ConfigError {
  override name = 'InvalidRequestError';
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid request:\n${issues.map((issue) => `  ${issue.path || '(request)'}: ${issue.message}`).join('\n')}`);
  }
}

/**
 * The idempotency key already belongs to an ask with another question, other earlier turns or another title (the
 * request hash stored on its workflow differs). Nothing was asked: use a new key for a new request.
 */
export class IdempotencyConflictError extends ConfigError {
  override name = 'IdempotencyConflictError';
  constructor(readonly key: string) {
    super(
      `idempotency key "${key}" was already used for a different request (another question, earlier turns or ` +
        'title); nothing was asked. Use a new key for a new request.',
    );
  }
}

/** No ask holds this idempotency key (never used, or its workflow is past the namespace's retention period). */
export class QuestionNotFoundError extends Error {
  override name = 'QuestionNotFoundError';
  constructor(readonly key: string) {
    super(`no question with idempotency key "${key}" (never asked, or past the Temporal namespace's retention)`);
  }
}
