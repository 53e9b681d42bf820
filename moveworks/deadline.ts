/**
 * One abort signal for one HTTP attempt, fed by our timeout, the caller's signal and an explicit
 * abort (stream.abort()). Remembers which one fired so errors can be told apart afterwards.
 */
import { ConnectionError, MoveworksError, RequestTimeoutError } from './errors';
import type { Redactor } from './redact';

export interface CallOptions {
  /** Aborting it rejects the call with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** Overrides the client's per-request timeout for this call. */
  timeoutMs?: number;
}

export interface Operation {
  method: string;
  path: string;
}

export class Deadline {
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  #explicitAbort = false;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller?.reason);

  #timeoutMs: number;

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.signal = this.#controller.signal;
    this.#caller = caller;
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.rearm();
  }

  /** The countdown's length: the request timeout, or the idle timeout once a stream is open. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Changes the countdown's length and restarts it (a stream switches to its idle timeout after the headers). */
  setTimeoutMs(ms: number): void {
    this.#timeoutMs = ms;
    this.rearm();
  }

  get callerAborted(): boolean {
    return this.#caller?.aborted === true;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  get explicitlyAborted(): boolean {
    return this.#explicitAbort;
  }

  /** (Re)starts the countdown; streams call it on every chunk so it acts as an idle timeout. */
  rearm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.signal.aborted || !(this.timeoutMs > 0) || !Number.isFinite(this.timeoutMs)) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new Error(`timed out after ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  abort(reason?: unknown): void {
    if (this.signal.aborted) return;
    this.#explicitAbort = true;
    this.#controller.abort(reason);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  /**
   * Turns whatever fetch or a body read threw into what the caller should see:
   * the caller's abort reason, a RequestTimeoutError, or a ConnectionError for network failures.
   */
  translate(err: unknown, op: Operation, redact: Redactor): unknown {
    if (this.callerAborted) return this.#caller?.reason;
    if (err instanceof MoveworksError) return err;
    if (this.#timedOut) {
      return new RequestTimeoutError(`${op.method} ${op.path}: no answer within ${this.timeoutMs} ms`, {
        ...op,
        cause: err,
      });
    }
    if (this.#explicitAbort) return err;
    return new ConnectionError(redact(`${op.method} ${op.path}: ${describeNetworkError(err)}`), {
      ...op,
      code: networkCode(err),
      cause: err,
    });
  }
}

/** Node's fetch wraps the socket error: TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }). */
function describeNetworkError(err: unknown): string {
  const outer = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = networkCode(err);
  const detail = [cause?.message, code && !cause?.message.includes(code) ? `(${code})` : undefined]
    .filter(Boolean)
    .join(' ');
  return detail ? `${outer}: ${detail}` : outer;
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e !== 'object') break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
