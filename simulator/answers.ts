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

/**
 * The assistant's answer text for a question. Pure and deterministic so tests can compare results with it.
 * Directives such as `[sim:fail]` are part of the question and therefore part of the hash.
 */
export function expectedAnswer(question: string): string {
  return `Simulated answer to "${question}" [${shortHash(question)}]`;
}

/** Test directives embedded in a question. */
export interface Directives {
  fail: boolean;
  never: boolean;
  delayMs: number | null;
  /** Extras beyond the brief: force the stream faults for one question. */
  cutStream: boolean;
  streamError: boolean;
}

export function parseDirectives(question: string): Directives {
  const delay = /\[sim:delay=(\d+)\]/.exec(question);
  return {
    fail: question.includes('[sim:fail]'),
    never: question.includes('[sim:never]'),
    delayMs: delay?.[1] !== undefined ? Number(delay[1]) : null,
    cutStream: question.includes('[sim:cut]'),
    streamError: question.includes('[sim:stream-error]'),
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
export function citationSpecs(question: string): CitationSpec[] {
  const hash = shortHash(question);
  const answer = expectedAnswer(question);
  const specs: CitationSpec[] = [
    {
      url: `https://kb.simulator.example/articles/${hash}-1`,
      title: `Knowledge article ${hash}-1`,
      body: `Background for: ${stripDirectives(question).slice(0, 120)}`,
      offset: answer.lastIndexOf(' ['),
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
