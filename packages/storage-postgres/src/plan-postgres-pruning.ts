import { planKeywordPruning } from '@dk/storage-utils';
import type { KeywordPruning, PruningTerm } from '@dk/storage-utils';

/**
 * The pruned rankings to try before ranking every chunk that holds a query lexeme, most
 * selective first (each exact when its verdict holds, see `KeywordPruning`):
 *
 * 1. Estimated co-occurrence (`planKeywordPruning` of `@dk/storage-utils`): a boolean tsquery
 *    of the lexeme sets whose idf sum reaches what about 2k chunks are expected to reach.
 * 2. MaxScore: chunks holding a lexeme rarer than the largest set of the most common lexemes
 *    whose idf share stays under half (the set's idf sum is the bound).
 *
 * `total` is the idf sum of every query lexeme (absent ones included); `n` the chunk count.
 */
export function planPostgresPruning(
  terms: readonly PruningTerm[],
  { n, k, total }: { readonly n: number; readonly k: number; readonly total: number },
): KeywordPruning[] {
  const levels: KeywordPruning[] = [];
  const byIdf = [...terms].sort((left, right) => left.idf - right.idf);
  let bound = 0;
  let common = 0;
  while (common < byIdf.length - 1 && bound + byIdf[common]!.idf < total / 2) bound += byIdf[common++]!.idf;
  const estimated = planKeywordPruning(terms, { n, k, syntax: { and: ' & ', or: ' | ' } });
  if (estimated !== undefined && estimated.bound > bound) levels.push(estimated);
  if (common > 0) {
    levels.push({
      query: byIdf
        .slice(common)
        .map((term) => term.operand)
        .join(' | '),
      bound,
    });
  }
  return levels;
}
