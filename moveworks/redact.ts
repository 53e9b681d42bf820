/** Removes secrets (bearer tokens, client secrets) from text that may end up in an error message. */
export type Redactor = (text: string) => string;

const MASK = '[REDACTED]';
// Very short strings would mask innocent text; real tokens and secrets are far longer.
const MIN_SECRET_LENGTH = 4;

export function redactor(secrets: readonly (string | undefined)[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    needles.add(secret);
    // A server that echoes a form or query body would show the encoded form.
    needles.add(encodeURIComponent(secret));
    needles.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, needle) => out.split(needle).join(MASK), text);
}

export const noRedaction: Redactor = (text) => text;

/** Collapses whitespace and cuts text to `max` characters, for body snippets in messages. */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
