/**
 * Coverage of the best keyword match at which dk's keyword adapters treat the query as fully
 * answered (score 1 for that match). Coverage is {@link Bm25Scorer}'s normalised score: the
 * idf-weighted share of the query's terms a chunk contains. Chosen on the labelled retrieval
 * set (`pnpm bench retrieval`): the best match of an on-topic question covers 0.30–0.99 of it
 * (median about 0.6), that of an off-topic question 0.11–0.28.
 */
export const defaultKeywordFullMatch = 0.4;

/**
 * dk's one score scale for search results (keyword, vector, hybrid): a result's native
 * relevance `value` (BM25 coverage, cosine similarity) relative to the best result of the
 * query, times the query's confidence: how close the best result's own value comes to
 * `fullMatch`, the value of a match that fully answers a query, squared so weak best matches
 * fall off quickly.
 *
 *     score = (value / best) × min(1, best / fullMatch)²
 *
 * So the best result of a query that something answers scores 1 and the others keep their
 * distance to it (a result half as relevant scores 0.5), while no result of a query that
 * nothing answers (an off-topic question) gets near 1: a best match at half of `fullMatch`
 * scores 0.25. The guide's thresholds then read as: 0.8 "about as good as the best, which is
 * a real match", 0.7 the default, 0.5 "broad context". Returns a value in 0–1; 0 when
 * `value` or `best` is not positive.
 */
export function calibrateScore(value: number, best: number, fullMatch: number): number {
  if (!(value > 0) || !(best > 0)) return 0;
  const confidence = best >= fullMatch ? 1 : (best / fullMatch) ** 2;
  return Math.min(1, (value / best) * confidence);
}
