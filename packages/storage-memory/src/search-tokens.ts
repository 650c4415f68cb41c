const wordPattern = /[\p{L}\p{N}]+/gu;

/**
 * Splits text into lower-case words (runs of Unicode letters and digits), the unit the
 * stores' text search matches on. Duplicates are removed; order is kept.
 */
export function searchTokens(text: string): string[] {
  return [...new Set(text.toLowerCase().match(wordPattern) ?? [])];
}
