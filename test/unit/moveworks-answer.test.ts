/** Reading the answer out of a response: every content variant, and the cap on an answer's size. */
import { describe, expect, it } from 'vitest';
import {
  contentText,
  DEFAULT_MAX_ANSWER_BYTES,
  extractAnswer,
  isRetryable,
  ResponseSchema,
  ResponseTooLargeError,
  type Content,
} from '../../moveworks';
import { assistantMessage, response } from './moveworks-fixture';

const text = (s: string) => ({ text: s });

function parse(body: Record<string, unknown>) {
  return ResponseSchema.parse(body);
}

describe('contentText', () => {
  it('reads every text variant, unknown variants by their own key, and no text for a button press', () => {
    const cases: Array<[unknown, string | undefined]> = [
      [{ type: 'PLAIN_TEXT', plain_text: text('plain') }, 'plain'],
      [{ type: 'COMMONMARK_TEXT', commonmark_text: text('**cm**') }, '**cm**'],
      [{ type: 'MARKDOWN_TEXT', markdown_text: text('_md_') }, '_md_'],
      [{ type: 'CALLBACK_ACTION_CONTENT', callback_action: { callback_id: 'cb' } }, undefined],
      [{ type: 'HTML', html: text('<p>x</p>') }, '<p>x</p>'],
      [{ type: 'RICH', body: text('found anywhere') }, 'found anywhere'],
      [{ type: 'NOTHING', payload: 3 }, undefined],
    ];
    for (const [content, expected] of cases) {
      expect(contentText(content as Content), JSON.stringify(content)).toBe(expected);
    }
  });
});

describe('extractAnswer', () => {
  it('joins the text of every assistant message, skipping reasoning and user messages', () => {
    const r = parse(
      response('COMPLETED', {
        outputs: [
          {
            type: 'REASONING_MESSAGE',
            reasoning_message: {
              reasoning_message_id: 'rs_1',
              conversation_id: 'conv_1',
              response_id: 'resp_1',
              content: { type: 'PLAIN_TEXT', plain_text: text('Thinking...') },
              created_at: 't',
            },
          },
          { type: 'MESSAGE', message: assistantMessage('m_user', 'echo', { actor: 'USER' }) },
          {
            type: 'MESSAGE',
            message: assistantMessage('m_plain', '', { content: { type: 'PLAIN_TEXT', plain_text: text('One') } }),
          },
          {
            type: 'MESSAGE',
            message: assistantMessage('m_cm', '', {
              content: { type: 'COMMONMARK_TEXT', commonmark_text: text('Two') },
            }),
          },
          { type: 'MESSAGE', message: assistantMessage('m_md', 'Three') },
          {
            type: 'MESSAGE',
            message: assistantMessage('m_html', '', {
              actor: undefined,
              content: { type: 'HTML', html: text('Four') },
            }),
          },
          { type: 'TOOL_CALL', tool_call: { text: 'not an answer' } },
        ],
      }),
    );
    const answer = extractAnswer(r);
    expect(answer.text).toBe('One\n\nTwo\n\nThree\n\nFour');
    expect(answer.messageIds).toEqual(['m_plain', 'm_cm', 'm_md', 'm_html']);
  });

  it('flattens citations and deduplicates them by citation_id, then url', () => {
    const citation = (id: string | undefined, url: string | undefined, title: string) => ({
      citation_id: id,
      url,
      display: {
        title: { type: 'PLAIN_TEXT', plain_text: text(title) },
        body: { type: 'MARKDOWN_TEXT', markdown_text: text(`${title} body`) },
        attributes: [{ key: 'TICKET_STATE', value: 'NEW' }],
      },
    });
    const r = parse(
      response('COMPLETED', {
        outputs: [
          {
            type: 'MESSAGE',
            message: assistantMessage('m1', 'See [1]', {
              citations: [citation('cite_a', 'https://kb/a', 'A'), citation(undefined, 'https://kb/b', 'B')],
              content_references: [{ citation_id: 'cite_a', offset: 4 }],
            }),
          },
          {
            type: 'MESSAGE',
            message: assistantMessage('m2', 'More', {
              citations: [
                citation('cite_a', 'https://kb/a', 'A again'),
                citation(undefined, 'https://kb/b', 'B'),
                { url: 'https://kb/c' },
              ],
            }),
          },
        ],
      }),
    );
    expect(extractAnswer(r).citations).toEqual([
      { citationId: 'cite_a', url: 'https://kb/a', title: 'A', snippet: 'A body' },
      { url: 'https://kb/b', title: 'B', snippet: 'B body' },
      { url: 'https://kb/c' },
    ]);
  });

  it('gives an empty answer for a response with no message output, noted NO_OUTPUT when it COMPLETED', () => {
    expect(extractAnswer(parse(response('COMPLETED')))).toEqual({
      text: '',
      citations: [],
      messageIds: [],
      actions: [],
      note: 'NO_OUTPUT',
    });
    expect(extractAnswer(parse(response('FAILED', { outputs: null })))).toEqual({
      text: '',
      citations: [],
      messageIds: [],
      actions: [],
    });
  });
});

describe('extractAnswer size cap', () => {
  const answerOf = (...texts: string[]) =>
    parse(
      response('COMPLETED', {
        outputs: texts.map((t, i) => ({ type: 'MESSAGE', message: assistantMessage(`m${i}`, t) })),
      }),
    );

  it('counts the answer in UTF-8 bytes, separators included, and allows exactly the cap', () => {
    // 50 "é" are 100 bytes; two messages joined by a blank line add 2 bytes.
    expect(extractAnswer(answerOf('é'.repeat(50), 'é'.repeat(49)), { maxBytes: 200 }).text).toHaveLength(101);
    const err = (() => {
      try {
        return extractAnswer(answerOf('é'.repeat(50), 'é'.repeat(50)), { maxBytes: 200 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toMatchObject({ kind: 'too_large', responseId: 'resp_1', limit: 200, unit: 'bytes' });
    expect((err as Error).message).toBe('response resp_1: answer text (202 bytes) exceeds the size limit of 200 bytes');
    expect(isRetryable(err)).toBe(false);
  });

  it('applies DEFAULT_MAX_ANSWER_BYTES (512 KiB) when no cap is given', () => {
    expect(DEFAULT_MAX_ANSWER_BYTES).toBe(512 * 1024);
    expect(extractAnswer(answerOf('a'.repeat(DEFAULT_MAX_ANSWER_BYTES))).text).toHaveLength(DEFAULT_MAX_ANSWER_BYTES);
    expect(() => extractAnswer(answerOf('a'.repeat(DEFAULT_MAX_ANSWER_BYTES + 1)))).toThrow(
      'response resp_1: answer text (524289 bytes) exceeds the size limit of 512 KiB',
    );
  });
});
