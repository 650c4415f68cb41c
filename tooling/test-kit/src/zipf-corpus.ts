import type { SearchDocument } from '@dk/spec';

/**
 * A small seeded corpus of consonant-only words (no stemmer or stop list touches them) whose
 * frequencies fall off as 1 / rank, and queries of 2–5 of its words: queries mix common and
 * rare words, so a pruned top-k ranking is sometimes enough and sometimes falls through.
 * The same every run.
 */
export function zipfCorpus(): { readonly documents: SearchDocument[]; readonly queries: string[] } {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const letters = 'bcdfghjklmnpqrtvwxz';
  const words = Array.from({ length: 40 }, (_, index) =>
    Array.from({ length: 4 + (index % 3) }, () => letters[Math.floor(next() * letters.length)]).join(''),
  );
  const weights = words.map((_, index) => 1 / (index + 1));
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const pick = () => {
    let target = next() * totalWeight;
    for (const [index, weight] of weights.entries()) if ((target -= weight) <= 0) return words[index]!;
    return words[words.length - 1]!;
  };
  const documents = Array.from({ length: 300 }, (_, index) => ({
    id: `z${index}`,
    content: Array.from({ length: 8 + Math.floor(next() * 12) }, pick).join(' '),
    metadata: {},
  }));
  const queries = Array.from({ length: 40 }, (_, query) =>
    Array.from({ length: 2 + (query % 4) }, () => words[Math.floor(next() * words.length)]!).join(' '),
  );
  return { documents, queries };
}
