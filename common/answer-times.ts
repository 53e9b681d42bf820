/**
 * The answer times seen so far, to time the first poll of the questions asked next. The client keeps one per batch
 * and writes the estimate into each new workflow's input (`poll.firstPollMs`), so the workflow stays deterministic:
 * the value is fixed when it starts. A group's `openConversations` activity keeps one too, for the questions it asks
 * after the first answers (activities/open-conversations.ts).
 *
 * The estimate is a low quantile of the recent answers, not their median: a first poll that comes too late keeps
 * a conversation slot busy for nothing, one that comes too early costs one request and then the normal schedule.
 */
import type { ConversationResult } from './types';

/** Answers kept: enough for a stable quantile, few enough to follow an assistant that slows down. */
const WINDOW = 200;
/** No estimate before this many answers. */
const MIN_SAMPLES = 10;
/** The share of recent answers that were ready by the first poll. */
const QUANTILE = 0.1;

export class AnswerTimes {
  readonly #recent: number[] = [];
  #next = 0;

  /** Records the API's answer time of each turn of a finished conversation that has one. */
  add(result: ConversationResult): void {
    for (const turn of result.turns) {
      if (turn.status === 'COMPLETED') this.addAnswerMs(turn.answerMs);
    }
  }

  /** Records one answer's time, when the API said it. */
  addAnswerMs(answerMs: number | undefined): void {
    if (answerMs === undefined) return;
    if (this.#recent.length < WINDOW) this.#recent.push(answerMs);
    else this.#recent[this.#next] = answerMs;
    this.#next = (this.#next + 1) % WINDOW;
  }

  /** When to poll first, in ms after the submission; undefined until enough answers were seen. */
  firstPollMs(): number | undefined {
    if (this.#recent.length < MIN_SAMPLES) return undefined;
    const sorted = [...this.#recent].sort((a, b) => a - b);
    return sorted[Math.floor(QUANTILE * (sorted.length - 1))];
  }
}
