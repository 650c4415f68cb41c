/**
 * Joins a sentence that may or may not end in punctuation (a vendor's message, say) and the
 * next one, with exactly one full stop between them: `a` + `b` → `a. b`, `a.` + `b` → `a. b`.
 */
export function joinSentences(first: string, second: string): string {
  const trimmed = first.trimEnd();
  return /[.!?]$/.test(trimmed) ? `${trimmed} ${second}` : `${trimmed}. ${second}`;
}
