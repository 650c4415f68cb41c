/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Deterministic hashed bag-of-words embedding of unit length: each lower-cased word adds ±1
 * at a hashed position (the sign from a second hash, so collisions cancel out on average).
 * Texts sharing words get a positive cosine similarity; the same text always gives the same
 * vector. A text without words maps to the unit vector on the first axis.
 */
export function hashEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const position = fnv1a(word, 0) % dimensions;
    const sign = fnv1a(word, 0x9e3779b9) & 1 ? 1 : -1;
    vector[position] = (vector[position] ?? 0) + sign;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}
