// What the simulated assistant says: a pure function of the question, plus the per-question test directives.
import { fnv1a } from './random';

export type ContentType = 'PLAIN_TEXT' | 'COMMONMARK_TEXT' | 'MARKDOWN_TEXT';

/** The Content union of the API (discriminated by `type`). */
export type Content =
  | { type: 'PLAIN_TEXT'; plain_text: { text: string } }
  | { type: 'COMMONMARK_TEXT'; commonmark_text: { text: string } }
  | { type: 'MARKDOWN_TEXT'; markdown_text: { text: string } };

export function content(type: ContentType, text: string): Content {
  switch (type) {
    case 'PLAIN_TEXT':
      return { type, plain_text: { text } };
    case 'COMMONMARK_TEXT':
      return { type, commonmark_text: { text } };
    case 'MARKDOWN_TEXT':
      return { type, markdown_text: { text } };
  }
}

function shortHash(question: string): string {
  return fnv1a(question).toString(16).padStart(8, '0');
}

/** Upper bound of `[sim:size=N]`, so a typo cannot make the simulator build a gigabyte string. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * The assistant's answer text for a question. Pure and deterministic so tests can compare results with it.
 * Directives such as `[sim:fail]` are part of the question and therefore part of the hash. With `[sim:size=N]`
 * the text is padded with numbered ASCII filler to exactly N UTF-8 bytes (unchanged when already that long).
 */
export function expectedAnswer(question: string): string {
  const answer = `Simulated answer to "${question}" [${shortHash(question)}]`;
  return padAnswer(answer, parseDirectives(question).sizeBytes ?? 0);
}

/**
 * The answer a new turn gets: the configured override for its question (the `answers` knob, keyed by the question
 * without directives), else `expectedAnswer`, marked with its variant under `[sim:vary=N]` (`asked`: how many times
 * the question was asked before, this one included).
 */
export function answerForTurn(
  question: string,
  overrides: Record<string, string>,
  asked: number,
  minBytes = 0,
): string {
  const override = overrides[stripDirectives(question)];
  if (override !== undefined) return override;
  const { varyCount } = parseDirectives(question);
  const answer =
    varyCount === null || varyCount < 2
      ? expectedAnswer(question)
      : `${expectedAnswer(question)} (variant ${((asked - 1) % varyCount) + 1} of ${varyCount})`;
  return padAnswer(answer, minBytes);
}

/** `answer` padded with numbered filler to at least `minBytes` UTF-8 bytes (the `minAnswerBytes` knob). */
export function padAnswer(answer: string, minBytes: number): string {
  const missing = minBytes - Buffer.byteLength(answer, 'utf8');
  return missing > 0 ? answer + filler(missing) : answer;
}

/** The label of the button (CALLBACK_ACTION) every v1 answer offers. */
export const MORE_ACTION_LABEL = 'Tell me more';

/**
 * The question a press of an answer's button stands for: its answer is `expectedAnswer(actionQuestion(…))`, and
 * the stats count it under this text. Directives of the original question do not carry over.
 */
export function actionQuestion(label: string, originalQuestion: string): string {
  return `Pressed "${label}" after: ${stripDirectives(originalQuestion)}`;
}

/** `missing` characters (= bytes, all ASCII) of numbered blocks, so a lost or repeated chunk is visible. */
function filler(missing: number): string {
  const blocks: string[] = [];
  let length = 0;
  for (let i = 1; length < missing; i++) {
    const block = ` filler-${String(i).padStart(7, '0')}.`;
    blocks.push(block);
    length += block.length;
  }
  return blocks.join('').slice(0, missing);
}

/** Test directives embedded in a question. */
export interface Directives {
  fail: boolean;
  never: boolean;
  delayMs: number | null;
  /** Extras beyond the brief: force the stream faults for one question. */
  cutStream: boolean;
  streamError: boolean;
  /** `[sim:refuse=400|422]`: creating a response for this question is refused with that status. */
  refuseStatus: 400 | 422 | null;
  /** `[sim:size=N]`: the answer text is padded to at least N UTF-8 bytes (capped at MAX_ANSWER_BYTES). */
  sizeBytes: number | null;
  /** `[sim:headers-delay=MS]`: the stream's 200 headers are sent MS real-time milliseconds after the commit. */
  headersDelayMs: number | null;
  /** `[sim:commit-delay=MS]`: a POST creating a response for it waits MS real-time milliseconds before it commits. */
  commitDelayMs: number | null;
  /** `[sim:stream-early=…]`: the stream fails before its first event (see StreamEarly). */
  streamEarly: StreamEarly | null;
  /** `[sim:vary=N]`: the k-th time the question is asked, its answer is variant ((k - 1) mod N) + 1 of N. */
  varyCount: number | null;
  /** `[sim:sse-crlf]`: the stream's lines end with CRLF. */
  sseCrlf: boolean;
  /** `[sim:sse-comments]`: comment lines before each event and between its fields. */
  sseComments: boolean;
  /** `[sim:sse-split=N]`: each event is written in N-byte pieces. */
  sseSplitBytes: number | null;
  /** `[sim:no-final-blank]`: the stream's last event lacks its closing blank line. */
  noFinalBlank: boolean;
  /** `[sim:no-output]`: the response COMPLETES with no outputs (like a hand-off to a live agent). */
  noOutput: boolean;
  /** `[sim:status=NAME]`: the response ends in this status, which the contract does not list (e.g. CANCELLED). */
  endStatus: string | null;
}

/**
 * cut = connection destroyed after the headers; error = a lone ERROR event; not-sse = a 200 JSON body (the
 * Response); html = a 200 text/html page, as a proxy might answer.
 */
export type StreamEarly = 'cut' | 'error' | 'not-sse' | 'html';

function numberDirective(question: string, name: string): number | null {
  const match = new RegExp(`\\[sim:${name}=(\\d+)\\]`).exec(question);
  return match?.[1] !== undefined ? Number(match[1]) : null;
}

export function parseDirectives(question: string): Directives {
  const refuse = numberDirective(question, 'refuse');
  const size = numberDirective(question, 'size');
  const early = /\[sim:stream-early=(cut|error|not-sse|html)\]/.exec(question)?.[1] as StreamEarly | undefined;
  return {
    fail: question.includes('[sim:fail]'),
    never: question.includes('[sim:never]'),
    delayMs: numberDirective(question, 'delay'),
    cutStream: question.includes('[sim:cut]'),
    streamError: question.includes('[sim:stream-error]'),
    refuseStatus: refuse === 400 || refuse === 422 ? refuse : null,
    sizeBytes: size === null ? null : Math.min(size, MAX_ANSWER_BYTES),
    headersDelayMs: numberDirective(question, 'headers-delay'),
    commitDelayMs: numberDirective(question, 'commit-delay'),
    streamEarly: early ?? null,
    varyCount: numberDirective(question, 'vary'),
    sseCrlf: question.includes('[sim:sse-crlf]'),
    sseComments: question.includes('[sim:sse-comments]'),
    sseSplitBytes: numberDirective(question, 'sse-split'),
    noFinalBlank: question.includes('[sim:no-final-blank]'),
    noOutput: question.includes('[sim:no-output]'),
    endStatus: /\[sim:status=([A-Z][A-Z_]*)\]/.exec(question)?.[1] ?? null,
  };
}

/** The question without directives, e.g. for an auto-generated conversation title. */
export function stripDirectives(question: string): string {
  return question
    .replace(/\[sim:[^\]]*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface CitationSpec {
  url: string;
  title: string;
  body: string;
  /** Zero-based index into the answer text where the citation marker belongs. */
  offset: number;
}

/** One or two citations, chosen by the question hash, pointing into the answer text. */
export function citationSpecs(question: string, answer: string = expectedAnswer(question)): CitationSpec[] {
  const hash = shortHash(question);
  const specs: CitationSpec[] = [
    {
      url: `https://kb.simulator.example/articles/${hash}-1`,
      title: `Knowledge article ${hash}-1`,
      body: `Background for: ${stripDirectives(question).slice(0, 120)}`,
      offset: Math.max(0, answer.lastIndexOf(' [')),
    },
  ];
  if (fnv1a(question) % 2 === 1) {
    specs.push({
      url: `https://kb.simulator.example/articles/${hash}-2`,
      title: `Knowledge article ${hash}-2`,
      body: 'Related policy page.',
      offset: answer.length,
    });
  }
  return specs;
}

export function reasoningText(question: string): string {
  return `Looking up knowledge articles for: ${stripDirectives(question).slice(0, 200)}`;
}
