/** A query lexeme some chunk holds: its quoted tsquery operand, idf and document frequency. */
export interface PruningTerm {
  readonly operand: string;
  readonly idf: number;
  readonly df: number;
}

/**
 * One pruned ranking: only the chunks matching `query` are ranked, and every other chunk holds
 * query lexemes whose idf sum is at most `bound`. A chunk's coverage is at most the idf sum of
 * the query lexemes it holds, so when the k-th best of the pruned ranking has a coverage above
 * `bound`, it is the exact top k.
 */
export interface PruningLevel {
  /** A tsquery over the quoted operands (`&`, `|`, parentheses). */
  readonly query: string;
  readonly bound: number;
}

/** Most query lexemes the estimated level is planned for (it enumerates their subsets). */
const maxEstimatedTerms = 8;
/** Chunks the estimated level expects to reach the threshold, per requested result. */
const expectedPerResult = 2;
/**
 * The estimated threshold is this share of the idf sum the expected chunks reach: a chunk's
 * coverage falls below its idf sum when it is longer than average and holds a lexeme once.
 */
const thresholdShare = 0.8;

/**
 * The chunks whose query lexemes' idf sum reaches `threshold`, as a tsquery: rarest lexeme
 * first, "holds it and the rest reach threshold − its idf, or the rest reach threshold".
 * `undefined` when every chunk holding any lexeme qualifies (no pruning) or none does.
 */
function reachingQuery(terms: readonly PruningTerm[], threshold: number): string | undefined {
  const sorted = [...terms].sort((left, right) => right.idf - left.idf);
  const suffix: number[] = new Array<number>(sorted.length + 1).fill(0);
  for (let index = sorted.length - 1; index >= 0; index--) suffix[index] = suffix[index + 1]! + sorted[index]!.idf;
  const build = (index: number, need: number): string | boolean => {
    if (need <= 0) return true;
    if (index >= sorted.length || suffix[index]! < need) return false;
    const term = sorted[index]!;
    const rest = build(index + 1, need - term.idf);
    const holding = rest === false ? false : rest === true ? term.operand : `${term.operand} & (${rest})`;
    const without = build(index + 1, need);
    if (without === true) return true;
    if (holding === false) return without;
    return without === false ? holding : `(${holding}) | (${without})`;
  };
  const query = build(0, threshold);
  return typeof query === 'string' ? query : undefined;
}

/**
 * The idf sum that about `wanted` chunks are expected to reach, were the lexemes independent:
 * chunks holding exactly the subset S number about n · Π_{S} p · Π_{not S} (1 − p), p = df / n.
 * Co-occurring words (real prose) only raise the true value.
 */
function expectedReach(terms: readonly PruningTerm[], n: number, wanted: number): number {
  const subsets: { sum: number; count: number }[] = [];
  for (let mask = 1; mask < 1 << terms.length; mask++) {
    let sum = 0;
    let count = n;
    terms.forEach((term, index) => {
      const share = Math.min(1, term.df / n);
      if (mask & (1 << index)) {
        sum += term.idf;
        count *= share;
      } else {
        count *= 1 - share;
      }
    });
    subsets.push({ sum, count });
  }
  subsets.sort((left, right) => right.sum - left.sum);
  let reached = 0;
  for (const subset of subsets) {
    reached += subset.count;
    if (reached >= wanted) return subset.sum;
  }
  return 0;
}

/**
 * The pruned rankings to try before ranking every chunk that holds a query lexeme, most
 * selective first (each is exact when its verdict holds, see {@link PruningLevel}):
 *
 * 1. Estimated: chunks whose lexemes' idf sum reaches a share of what about 2k chunks are
 *    expected to reach. A boolean tsquery (`a & (b | c) | b & c`), so the GIN index visits only
 *    chunks holding enough lexemes together, where ranking the chunks holding one of them
 *    grows with the lexemes' frequency.
 * 2. MaxScore: chunks holding a lexeme rarer than the largest set of the most common lexemes
 *    whose idf share stays under half (the set's idf sum is the bound).
 *
 * `total` is the idf sum of every query lexeme (absent ones included); `n` the chunk count.
 */
export function planPostgresPruning(
  terms: readonly PruningTerm[],
  { n, k, total }: { readonly n: number; readonly k: number; readonly total: number },
): PruningLevel[] {
  const levels: PruningLevel[] = [];
  const byIdf = [...terms].sort((left, right) => left.idf - right.idf);
  let bound = 0;
  let common = 0;
  while (common < byIdf.length - 1 && bound + byIdf[common]!.idf < total / 2) bound += byIdf[common++]!.idf;
  if (terms.length <= maxEstimatedTerms) {
    const threshold = thresholdShare * expectedReach(terms, n, expectedPerResult * k);
    // Chunks reaching just above `threshold` qualify: outside ones stay below it, with room
    // for the rounding of sums taken in another order.
    // At or below the most common lexeme's idf, every chunk holding a lexeme would qualify.
    const query =
      threshold > bound && threshold > byIdf[0]!.idf ? reachingQuery(terms, threshold * (1 - 1e-9)) : undefined;
    if (query !== undefined) levels.push({ query, bound: threshold });
  }
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
