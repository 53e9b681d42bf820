/**
 * MwbatchClient: ask the assistant from another program, never twice for one idempotency key. An ask is a
 * conversation workflow `ask/<key>`, started or attached to exactly as `submit` starts a batch's conversations
 * (batch/start.ts): the same key with the same request returns the first ask's result, for as long as Temporal
 * retains its workflow; the same key with another request throws IdempotencyConflictError.
 */
import { CancelledFailure, WorkflowFailedError, type Client, type ConnectionOptions } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { connectClient, startOrAttach, type ConversationHandle } from '../batch/start';
import { workflowInput } from '../batch/inspect';
import { InputMismatchError } from '../common/errors';
import { CONVERSATION_WORKFLOW_TYPE, DEFAULT_TASK_QUEUE, PROGRESS_QUERY } from '../common/names';
import type { ConversationProgress, ConversationResult, TurnResult } from '../common/types';
import { loadTemporalSettings, type TemporalSettings } from '../config/temporal';
import type { conversationWorkflow } from '../workflows/conversation';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { SubmissionCheckpoint } from '../activities/submission';
import { IdempotencyConflictError, QuestionNotFoundError } from './errors';
import { askWorkflowId, checkIdempotencyKey, parseAskRequest, type AskRequest } from './request';

/** The answer to an ask: its last turn's result. */
/**
 * The last turn's result, as TurnResult has it (`status`: COMPLETED and FAILED are the assistant's; TIMED_OUT, ERROR
 * and CANCELLED are explained by `error`).
 */
export interface AskResult extends Pick<
  TurnResult,
  'status' | 'answer' | 'citations' | 'actions' | 'conversationId' | 'responseId' | 'latencyMs' | 'attempts'
> {
  error?: { code: string; message: string; rootUuid?: string };
}

export interface ConnectOptions {
  /** Connection options; default from TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TEMPORAL_TLS_* as the CLI reads them. */
  temporal?: ConnectionOptions;
  /** Default TEMPORAL_NAMESPACE, else `default`. */
  namespace?: string;
  /** The task queue mwbatch workers poll; default TEMPORAL_TASK_QUEUE, else `mwbatch`. */
  taskQueue?: string;
  /** Where the defaults (and MWBATCH_ENCRYPTION_KEY / _FILE) are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

function askResultOf(turn: TurnResult): AskResult {
  const { status, answer, citations, actions, conversationId, responseId, latencyMs, attempts } = turn;
  const error = turn.errorCode
    ? { code: turn.errorCode, message: turn.errorMessage ?? '', ...(turn.rootUuid && { rootUuid: turn.rootUuid }) }
    : undefined;
  return {
    status,
    answer,
    citations,
    ...(actions && { actions }),
    conversationId,
    responseId,
    latencyMs,
    attempts,
    ...(error && { error }),
  };
}

/** A workflow that returned no result (terminated, timed out, cancelled by an older worker) still ends an ask. */
function askResultOfFailure(err: WorkflowFailedError): AskResult {
  const cancelled = err.cause instanceof CancelledFailure;
  return {
    status: cancelled ? 'CANCELLED' : 'ERROR',
    answer: '',
    citations: [],
    latencyMs: 0,
    attempts: 0,
    error: { code: cancelled ? 'CANCELLED' : 'WORKFLOW_FAILED', message: err.cause?.message ?? err.message },
  };
}

/** One ask, started or found by its key. Holds no state of its own: every call asks Temporal. */
export class AskHandle {
  readonly workflowId: string;

  /** Made by MwbatchClient.start() and get(). `started`: this call started the workflow (false: attached). */
  constructor(
    private readonly client: Client,
    readonly key: string,
    readonly started: boolean,
  ) {
    this.workflowId = askWorkflowId(key);
  }

  private workflow(): ConversationHandle {
    return this.client.workflow.getHandle<typeof conversationWorkflow>(this.workflowId);
  }

  /**
   * Waits for the answer (through any number of worker restarts). A large answer that the workflow stored in a
   * workflow of its own is read back from there. Rejects when `signal` aborts.
   */
  async result({ signal }: { signal?: AbortSignal } = {}): Promise<AskResult> {
    const wait = () => this.workflow().result();
    let conversation: ConversationResult;
    try {
      conversation = signal ? await this.client.withAbortSignal(signal, wait) : await wait();
    } catch (err) {
      if (err instanceof WorkflowFailedError) return askResultOfFailure(err);
      throw err;
    }
    let turn = conversation.turns.at(-1);
    if (turn?.storedIn) turn = await workflowInput<TurnResult>(this.client, turn.storedIn);
    if (!turn) throw new Error(`workflow ${this.workflowId} returned no turn`);
    return askResultOf(turn);
  }

  /**
   * The answer if the ask has ended or ends within `ms`; undefined when it is still running then, or when
   * `signal` aborts first (a long poll: the gateway's `?wait=`).
   */
  async wait(ms: number, { signal }: { signal?: AbortSignal } = {}): Promise<AskResult | undefined> {
    const { status } = await this.workflow().describe();
    if (status.name !== 'RUNNING') return this.result();
    if (ms <= 0 || signal?.aborted) return undefined;
    const timeout = AbortSignal.timeout(ms);
    const either = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await this.result({ signal: either });
    } catch (err) {
      if (either.aborted) return undefined;
      throw err;
    }
  }

  /**
   * How far the conversation is (the workflow's `progress` query; needs a worker). The first turn runs inside the
   * activity that opens the conversation: until it returns, its ids are in that activity's heartbeat, read here.
   */
  async progress(): Promise<ConversationProgress> {
    const handle = this.workflow();
    const progress = await handle.query<ConversationProgress>(PROGRESS_QUERY);
    if (progress.currentResponseId !== undefined) return progress;
    const { raw } = await handle.describe();
    for (const activity of raw.pendingActivities ?? []) {
      const payloads = activity.heartbeatDetails?.payloads;
      if (!payloads?.length) continue;
      const converter = this.client.options.loadedDataConverter;
      const beat = await decodeFromPayloadsAtIndex<SubmissionCheckpoint>(converter, 0, payloads);
      if (beat?.responseId) {
        return {
          ...progress,
          conversationId: progress.conversationId ?? beat.conversationId,
          currentResponseId: beat.responseId,
        };
      }
    }
    return progress;
  }

  /** Asks the workflow to stop: the result then says CANCELLED (earlier turns' answers are kept). */
  async cancel(): Promise<void> {
    await this.workflow().cancel();
  }
}

export class MwbatchClient {
  private ownsConnection = false;

  /**
   * Over an existing Temporal client (its namespace and data converter; give it the encryption converter when
   * the workers encrypt). `taskQueue`: the queue mwbatch workers poll.
   */
  constructor(
    readonly temporal: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
  ) {}

  /**
   * Connects as the CLI does: every option defaults from the TEMPORAL_* environment, and payloads are encrypted
   * when MWBATCH_ENCRYPTION_KEY(_FILE) is set. Throws UnreachableTemporalError when Temporal does not answer.
   */
  static async connect(options: ConnectOptions = {}): Promise<MwbatchClient> {
    const env = options.env ?? process.env;
    const settings = loadTemporalSettings(env);
    const connection = options.temporal
      ? // Handed to Connection.connect as is: all of ConnectionOptions applies.
        ({
          ...options.temporal,
          address: options.temporal.address ?? settings.address,
        } as TemporalSettings['connection'])
      : settings.connection;
    const namespace = options.namespace ?? settings.namespace;
    const temporal = await connectClient({ ...settings, address: connection.address, namespace, connection }, env);
    const client = new MwbatchClient(temporal, options.taskQueue ?? settings.taskQueue);
    client.ownsConnection = true;
    return client;
  }

  /** Asks (or attaches to the earlier ask with this key) and waits for the answer. */
  async ask(request: AskRequest): Promise<AskResult> {
    return (await this.start(request)).result();
  }

  /**
   * Starts the ask, or attaches to the one its key already names, without waiting. Throws InvalidRequestError for
   * a request that is not valid and IdempotencyConflictError when the key names a different request. Two callers
   * starting the same key at once both attach to one workflow: the question is asked once.
   */
  async start(request: AskRequest): Promise<AskHandle> {
    const { key, input } = parseAskRequest(request);
    try {
      const { started } = await startOrAttach(this.temporal, this.taskQueue, input);
      return new AskHandle(this.temporal, key, started);
    } catch (err) {
      if (err instanceof InputMismatchError) throw new IdempotencyConflictError(key);
      throw err;
    }
  }

  /** The ask with this key; QuestionNotFoundError when there is none. */
  async get(idempotencyKey: string): Promise<AskHandle> {
    const key = checkIdempotencyKey(idempotencyKey);
    const handle = new AskHandle(this.temporal, key, false);
    try {
      const { type } = await this.temporal.workflow.getHandle(handle.workflowId).describe();
      if (type !== CONVERSATION_WORKFLOW_TYPE) throw new QuestionNotFoundError(key);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new QuestionNotFoundError(key);
      throw err;
    }
    return handle;
  }

  /** Closes the connection when connect() opened it (a client given to the constructor stays open). */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.temporal.connection.close();
  }
}
