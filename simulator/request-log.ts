// What the simulator saw: every API and token request, for tests to assert on. Never holds credentials:
// no headers are kept, and token-endpoint bodies are not recorded.

export interface RecordedRequest {
  seq: number;
  /** Simulator-clock time the request arrived (ms epoch). */
  at: number;
  method: string;
  path: string;
  /** Route template, e.g. `/conversations/{conversation_id}`; `(unknown)` when nothing matched. */
  route: string;
  /** HTTP status sent; 0 while pending or when no status was ever sent (hang, dropped connection). */
  status: number;
  fault?: string;
  /** On a 429 that carried Retry-After: the wait it asked for, in ms. */
  retryAfterMs?: number;
  conversationId?: string;
  responseId?: string;
  body?: unknown;
}

export interface SimulatorStats {
  totalRequests: number;
  /** `"METHOD /route"` -> status -> count. */
  byRoute: Record<string, Record<string, number>>;
  faults: Record<string, number>;
  /** conversation_id -> number of create-response calls (polling or stream) that created a response. */
  responsesCreated: Record<string, number>;
  /** question text as submitted (directives included) -> number of responses created for it, everywhere. */
  submissionsByQuestion: Record<string, number>;
  conversationsCreated: number;
}

export class RequestLog {
  private entries: RecordedRequest[] = [];
  private responsesCreated = new Map<string, number>();
  private submissionsByQuestion = new Map<string, number>();
  private conversationsCreated = 0;

  begin(entry: Omit<RecordedRequest, 'seq' | 'status'>): RecordedRequest {
    const recorded: RecordedRequest = { seq: this.entries.length + 1, status: 0, ...entry };
    this.entries.push(recorded);
    return recorded;
  }

  countConversationCreated(): void {
    this.conversationsCreated += 1;
  }

  countResponseCreated(conversationId: string, question: string): void {
    increment(this.responsesCreated, conversationId);
    increment(this.submissionsByQuestion, question);
  }

  /** Copies, so callers cannot change the log. */
  list(sinceSeq = 0): RecordedRequest[] {
    return this.entries.filter((e) => e.seq > sinceSeq).map((e) => ({ ...e }));
  }

  stats(): SimulatorStats {
    const byRoute: SimulatorStats['byRoute'] = {};
    const faults: Record<string, number> = {};
    for (const e of this.entries) {
      const key = `${e.method} ${e.route}`;
      const statuses = (byRoute[key] ??= {});
      statuses[String(e.status)] = (statuses[String(e.status)] ?? 0) + 1;
      if (e.fault !== undefined) faults[e.fault] = (faults[e.fault] ?? 0) + 1;
    }
    return {
      totalRequests: this.entries.length,
      byRoute,
      faults,
      responsesCreated: Object.fromEntries(this.responsesCreated),
      submissionsByQuestion: Object.fromEntries(this.submissionsByQuestion),
      conversationsCreated: this.conversationsCreated,
    };
  }

  clear(): void {
    this.entries = [];
    this.responsesCreated = new Map();
    this.submissionsByQuestion = new Map();
    this.conversationsCreated = 0;
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
