/** A query term some chunk holds: its operand in the engine's query syntax, idf and document frequency. */
export interface PruningTerm {
  readonly operand: string;
  readonly idf: number;
  readonly df: number;
}

/** How an engine's query syntax joins operands: `' & '`/`' | '` (PostgreSQL), `' AND '`/`' OR '` (FTS5). */
export interface PruningSyntax {
  readonly and: string;
  readonly or: string;
}

/**
 * A pruned candidate set: the chunks matching `query`. Every other chunk holds query terms
 * whose idf sum is below `bound`, and a chunk's BM25 coverage is at most the idf sum of the
 * query terms it holds; so when at least k ranked candidates have a coverage above `bound`,
 * no chunk outside the set is in the top k.
 */
export interface KeywordPruning {
  /** The candidate chunks, in the engine's query syntax (operands, and/or, parentheses). */
  readonly query: string;
  readonly bound: number;
}

/** Most query terms a pruning is planned for (planning enumerates their subsets). */
const maxPrunedTerms = 8;
/** Chunks expected to reach the estimated idf sum, per requested result. */
const expectedPerResult = 2;
/**
 * The bound is this share of that idf sum: a chunk's coverage falls below its idf sum when it
 * is longer than average and holds a term once.
 */
const boundShare = 0.8;

/**
 * The chunks whose query terms' idf sum reaches `threshold`, as a query: rarest term first,
 * "holds it and the rest reach threshold − its idf, or the rest reach threshold".
 * `undefined` when no chunk can reach it.
 */
function reachingQuery(terms: readonly PruningTerm[], threshold: number, syntax: PruningSyntax): string | undefined {
  const sorted = [...terms].sort((left, right) => right.idf - left.idf);
  const suffix: number[] = new Array<number>(sorted.length + 1).fill(0);
  for (let index = sorted.length - 1; index >= 0; index--) suffix[index] = suffix[index + 1]! + sorted[index]!.idf;
  const build = (index: number, need: number): string | boolean => {
    if (need <= 0) return true;
    if (index >= sorted.length || suffix[index]! < need) return false;
    const term = sorted[index]!;
    const rest = build(index + 1, need - term.idf);
    const holding = rest === false ? false : rest === true ? term.operand : `${term.operand}${syntax.and}(${rest})`;
    const without = build(index + 1, need);
    if (without === true) return true;
    if (holding === false) return without;
    return without === false ? holding : `(${holding})${syntax.or}(${without})`;
  };
  const query = build(0, threshold);
  return typeof query === 'string' ? query : undefined;
}

/**
 * The idf sum that about `wanted` chunks are expected to reach, were the terms independent:
 * chunks holding exactly the subset S number about n · Π_{S} p · Π_{not S} (1 − p), p = df / n.
 * Words that occur together (real prose) only raise the true value.
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
 * Plans a pruned candidate set for a top-k keyword query (see {@link KeywordPruning}): the
 * chunks whose terms' idf sum reaches a share of what about 2k chunks are expected to reach,
 * as a boolean query (`a & (b | c) | b & c`), so the engine's index visits only chunks
 * holding enough of the terms together, where an OR of the terms visits every chunk holding
 * any (work that grows with the terms' frequency). `undefined` when it would not prune (one
 * term, more than 8, or every chunk holding the most common term qualifies); the caller then
 * ranks as without it, as it also must when the pruning's verdict fails.
 *
 * @param terms The query terms some chunk holds.
 * @param n The collection's chunk count.
 * @param k The number of results wanted.
 */
export function planKeywordPruning(
  terms: readonly PruningTerm[],
  { n, k, syntax }: { readonly n: number; readonly k: number; readonly syntax: PruningSyntax },
): KeywordPruning | undefined {
  if (terms.length < 2 || terms.length > maxPrunedTerms) return undefined;
  const bound = boundShare * expectedReach(terms, n, expectedPerResult * k);
  if (bound <= Math.min(...terms.map((term) => term.idf))) return undefined;
  // Chunks reaching just under `bound` qualify too: outside ones stay below it, with room for
  // the rounding of sums taken in another order.
  const query = reachingQuery(terms, bound * (1 - 1e-9), syntax);
  return query === undefined ? undefined : { query, bound };
}
