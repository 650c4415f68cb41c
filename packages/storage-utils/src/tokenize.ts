// A small English stop-word list: these words carry no topic, and leaving them out keeps
// "how do I reset my password" from matching every document that contains "I".
const englishStopWords: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by do does for from has have how i if in into is it its me my no not of on or ' +
    'our so than that the their then there these they this to was we were what when where which who why will with you your'
  ).split(' '),
);

/** The stop words {@link tokenize} drops by default. */
export const defaultStopWords: ReadonlySet<string> = englishStopWords;

const wordPattern = /[\p{L}\p{N}]+/gu;

/**
 * Splits text into lower-case word tokens (runs of Unicode letters and digits), dropping
 * stop words: the terms keyword search adapters index and query.
 */
export function tokenize(text: string, stopWords: ReadonlySet<string> = englishStopWords): string[] {
  const tokens: string[] = [];
  for (const match of text.toLowerCase().matchAll(wordPattern)) {
    const token = match[0];
    if (!stopWords.has(token)) tokens.push(token);
  }
  return tokens;
}

/**
 * Splits text into distinct lower-case words (runs of Unicode letters and digits, stop
 * words kept), the unit a conversation store's text filter matches on. Order is kept.
 */
export function searchTokens(text: string): string[] {
  return [...new Set(text.toLowerCase().match(wordPattern) ?? [])];
}
