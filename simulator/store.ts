// In-memory state of the simulated tenant: conversations and their turns.
import { actionQuestion, answerForTurn, MORE_ACTION_LABEL, parseDirectives, stripDirectives } from './answers';
import { contentVariants, type ApiFlavour, type SimulatorConfig } from './config';
import { base62, eventId, resourceId, ulidResourceId, type Rng } from './random';
import { assistantMessage, statusAt, type Turn } from './turns';

export interface ConversationRecord {
  id: string;
  title?: string;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  turns: Turn[];
}

export interface StoreDeps {
  config: () => SimulatorConfig;
  now: () => number;
  ids: () => Rng;
  outcomes: () => Rng;
}

export interface SimEvent {
  event_id: string;
  conversation_id: string;
  event_payload: { type: 'MESSAGE_EVENT'; message: object };
  /** Required by v1, absent from beta's schema (extra fields are allowed there): sent to both. */
  created_at: string;
}

/** What a new turn sends: a question, or (v1) the callback ID of a button an earlier answer in it offered. */
export type TurnInput = { question: string } | { callbackId: string };

export function renderConversation(c: ConversationRecord): Record<string, unknown> {
  return {
    conversation_id: c.id,
    ...(c.title !== undefined ? { title: c.title } : {}),
    archived: c.archived,
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
  };
}

export class ConversationStore {
  private readonly conversations = new Map<string, ConversationRecord>();
  private turnCount = 0;
  /** IDs minted so far, for the `mixed` ID format. */
  private idCount = 0;
  /** How many times each question (directives included) was asked, for `[sim:vary=N]`. */
  private readonly askedByQuestion = new Map<string, number>();

  constructor(private readonly deps: StoreDeps) {}

  clear(): void {
    this.conversations.clear();
    this.turnCount = 0;
    this.idCount = 0;
    this.askedByQuestion.clear();
  }

  /** A new ID in the format the `idFormat` knob picks for a request to `api`. */
  private newId(prefix: 'conv' | 'resp', api: ApiFlavour): string {
    const format = this.deps.config().idFormat;
    const ulid =
      format === 'ulid' || (format === 'api' && api === 'v1') || (format === 'mixed' && this.idCount % 2 === 1);
    this.idCount++;
    return ulid ? ulidResourceId(this.deps.ids(), prefix, this.deps.now()) : resourceId(this.deps.ids(), prefix);
  }

  createConversation(title: string | undefined, api: ApiFlavour = 'beta'): ConversationRecord {
    const now = this.deps.now();
    const record: ConversationRecord = {
      id: this.newId('conv', api),
      ...(title !== undefined ? { title } : {}),
      archived: false,
      createdAt: now,
      updatedAt: now,
      turns: [],
    };
    this.conversations.set(record.id, record);
    return record;
  }

  getConversation(id: string): ConversationRecord | undefined {
    return this.conversations.get(id);
  }

  all(): ConversationRecord[] {
    return [...this.conversations.values()];
  }

  /** updated_at descending, conversation_id descending as the tie-breaker. */
  listConversations(archived: boolean): ConversationRecord[] {
    return this.all()
      .filter((c) => c.archived === archived)
      .sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  updateConversation(c: ConversationRecord, patch: { title?: string; archived?: boolean }): void {
    if (patch.title === undefined && patch.archived === undefined) return;
    if (patch.title !== undefined) c.title = patch.title;
    if (patch.archived !== undefined) c.archived = patch.archived;
    c.updatedAt = Math.max(this.deps.now(), c.updatedAt);
  }

  /**
   * Records a user turn and the response it starts. A conversation may have several responses in flight at
   * once: the API does not say it rejects that, so the simulator accepts it and runs them independently.
   */
  createTurn(c: ConversationRecord, input: TurnInput, api: ApiFlavour = 'beta'): Turn {
    const cfg = this.deps.config();
    const now = this.deps.now();
    const pressed = 'callbackId' in input ? this.pressedTurn(c, input.callbackId) : undefined;
    const question = 'question' in input ? input.question : actionQuestion(MORE_ACTION_LABEL, pressed!.question);
    const directives = parseDirectives(question);
    // Always draw the same numbers per turn so one knob does not shift the decisions of another.
    const outcomes = this.deps.outcomes();
    const [uFail, uSlow, uCut, uError] = [outcomes(), outcomes(), outcomes(), outcomes()];
    const delay = directives.delayMs ?? (uSlow < cfg.slowAnswerRate ? cfg.slowAnswerMs : cfg.answerDelayMs);
    const settleAt = directives.never ? null : now + delay;
    const seq = ++this.turnCount;
    const rotated = contentVariants[(seq - 1) % contentVariants.length] ?? 'PLAIN_TEXT';
    const responseId = this.newId('resp', api);
    const ids = this.deps.ids();
    const messageId = resourceId(ids, 'msg');
    const callbackId = (action: string): string =>
      Buffer.from(JSON.stringify({ action, message_id: messageId, nonce: base62(ids, 10) })).toString('base64url');
    const asked = (this.askedByQuestion.get(question) ?? 0) + 1;
    this.askedByQuestion.set(question, asked);
    const turn: Turn = {
      seq,
      conversationId: c.id,
      responseId,
      question,
      answer: answerForTurn(question, cfg.answers, asked, cfg.minAnswerBytes),
      createdAt: now,
      inProgressAt: now + Math.min(cfg.inProgressAfterMs, settleAt === null ? Infinity : delay),
      settleAt,
      outcome: directives.endStatus ?? (directives.fail || uFail < cfg.failureRate ? 'FAILED' : 'COMPLETED'),
      noOutput: directives.noOutput,
      api,
      ...(pressed ? { pressedCallbackId: pressed.moreCallbackId } : {}),
      // Derived, not drawn: a v1 button must not shift the seeded IDs of later turns.
      moreCallbackId: Buffer.from(JSON.stringify({ action: 'more', response_id: responseId })).toString('base64url'),
      failedErrorObject: cfg.failedErrorObject,
      echoedText: cfg.echoTrim ? question.replace(/\s+/g, ' ').trim() : question,
      contentType: cfg.contentVariant === 'rotate' ? rotated : cfg.contentVariant,
      streamFault:
        directives.cutStream || uCut < cfg.cutStreamRate
          ? 'cut'
          : directives.streamError || uError < cfg.streamErrorRate
            ? 'error'
            : null,
      streamEarly: directives.streamEarly,
      headersDelayMs: directives.headersDelayMs ?? 0,
      userMessageId: resourceId(ids, 'msg'),
      reasoningMessageId: resourceId(ids, 'rs'),
      messageId,
      citationIds: [resourceId(ids, 'cite'), resourceId(ids, 'cite')],
      helpfulCallbackId: callbackId('helpful'),
      unhelpfulCallbackId: callbackId('unhelpful'),
      eventId: eventId(ids, settleAt ?? now, seq),
      feedback: [],
    };
    c.turns.push(turn);
    c.updatedAt = Math.max(now, c.updatedAt);
    // The API titles untitled conversations itself; the simulator uses the first question.
    if (c.title === undefined) c.title = stripDirectives(question).slice(0, 80) || 'New conversation';
    return turn;
  }

  /** The turn of `c` whose answer offered the button `callbackId`; undefined if none did. */
  findPressedTurn(c: ConversationRecord, callbackId: string): Turn | undefined {
    return c.turns.find((t) => t.api === 'v1' && t.moreCallbackId === callbackId);
  }

  private pressedTurn(c: ConversationRecord, callbackId: string): Turn {
    const turn = this.findPressedTurn(c, callbackId);
    if (!turn) throw new Error(`no turn of ${c.id} offered callback ${callbackId}`);
    return turn;
  }

  findTurn(conversationId: string, responseId: string): Turn | undefined {
    return this.conversations.get(conversationId)?.turns.find((t) => t.responseId === responseId);
  }

  /** MESSAGE_EVENTs for completed assistant replies, oldest first ('-' = every conversation). */
  events(scope: ConversationRecord | '-', now: number): SimEvent[] {
    const conversations = scope === '-' ? this.all() : [scope];
    return conversations
      .flatMap((c) => c.turns)
      .filter((t) => statusAt(t, now) === 'COMPLETED' && !t.noOutput)
      .map((t) => ({
        event_id: t.eventId,
        conversation_id: t.conversationId,
        event_payload: { type: 'MESSAGE_EVENT' as const, message: assistantMessage(t) },
        created_at: new Date(t.settleAt ?? t.createdAt).toISOString(),
      }))
      .sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  }
}
