/**
 * The echo provider's deterministic token estimate: one token per four characters, at least
 * one (`max(1, floor(length / 4))`), as the Python original.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.floor(text.length / 4));
}
