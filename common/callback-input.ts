/**
 * Pressing a button: a turn whose input is the `callback_id` of an action the previous answer offered (v1 API),
 * instead of a question. A question file or an ask names the button either by its callback ID, sent as written,
 * or as `label:<label>`, which the conversation workflow resolves against the actions of the previous turn's
 * answer (the IDs a real server hands out are not known when the file is written). Pure: used by the CSV reader,
 * the library and workflow code alike.
 */
import type { AnswerAction } from '../moveworks/answer';

/** `label:Approve` presses the button labelled "Approve" that the previous answer offered. */
export const CALLBACK_LABEL_PREFIX = 'label:';

/** Error code of a turn whose `label:` named no button of the previous answer: nothing was sent. */
export const NO_SUCH_ACTION = 'NO_SUCH_ACTION';

/** The label a `label:<label>` reference names, or undefined when the value is a callback ID itself. */
export function callbackLabel(reference: string): string | undefined {
  return reference.toLowerCase().startsWith(CALLBACK_LABEL_PREFIX)
    ? reference.slice(CALLBACK_LABEL_PREFIX.length).trim()
    : undefined;
}

/** How a turn reads to a person: its question, or for a button press without one, `(pressed <callback_id>)`. */
export function turnText(turn: { question: string; callbackId?: string }): string {
  return turn.question || (turn.callbackId === undefined ? '' : `(pressed ${turn.callbackId})`);
}

const comparable = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * The callback ID to send for `reference`: the reference itself, or the ID of the first CALLBACK_ACTION of
 * `offered` whose label matches (whitespace and case aside). `{ missing }` says why none matched.
 */
export function resolveCallback(
  reference: string,
  offered: readonly AnswerAction[] | undefined,
): { callbackId: string } | { missing: string } {
  const label = callbackLabel(reference);
  if (label === undefined) return { callbackId: reference };
  const buttons = (offered ?? []).filter((action) => action.type === 'CALLBACK_ACTION' && action.callbackId);
  const found = buttons.find((action) => comparable(action.label ?? '') === comparable(label));
  if (found) return { callbackId: found.callbackId! };
  const labels = buttons.map((action) => JSON.stringify(action.label ?? ''));
  return {
    missing:
      `the previous answer offered no button labelled ${JSON.stringify(label)} ` +
      (labels.length > 0 ? `(it offered ${labels.join(', ')})` : '(it offered none)') +
      '; nothing was sent',
  };
}
