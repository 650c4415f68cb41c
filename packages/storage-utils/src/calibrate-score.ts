/**
 * Coverage of the best keyword match at which dk's keyword adapters treat the query as fully
 * answered (score 1 for that match). Coverage is {@link Bm25Scorer}'s normalised score: the
 * idf-weighted share of the query's terms a chunk contains. Chosen with
 * {@link defaultKeywordFalloff} on the labelled retrieval set (`pnpm bench retrieval`): the
 * best match of an on-topic question covers 0.31–0.99 of it (median about 0.6; 0.30 and 0.31
 * for two questions whose best match is not relevant), that of an off-topic question
 * 0.11–0.29. With 0.35 and the fourth power, the strongest off-topic best match (0.285)
 * scores 0.44, under the guide's 0.5; the weakest relevant on-topic one (0.308) 0.60; from
 * 0.32 on a best match scores about 0.7 or more.
 */
export const defaultKeywordFullMatch = 0.35;

/**
 * Power of {@link calibrateScore}'s confidence for keyword adapters: coverage falls off
 * faster than cosine similarity below a full match, because a question half of whose
 * information no chunk holds (a term that occurs nowhere weighs the most) is usually not
 * answered at all. Vector adapters keep the default 2.
 */
export const defaultKeywordFalloff = 4;

/**
 * dk's one score scale for search results (keyword, vector, hybrid): a result's native
 * relevance `value` (BM25 coverage, cosine similarity) relative to the best result of the
 * query, times the query's confidence: how close the best result's own value comes to
 * `fullMatch`, the value of a match that fully answers a query, squared so weak best matches
 * fall off quickly
 * (`falloff` 2; keyword adapters use {@link defaultKeywordFalloff}).
 *
 *     score = (value / best) × min(1, best / fullMatch)^falloff
 *
 * So the best result of a query that something answers scores 1 and the others keep their
 * distance to it (a result half as relevant scores 0.5), while no result of a query that
 * nothing answers (an off-topic question) gets near 1: a best match at half of `fullMatch`
 * scores 0.25 (0.0625 for a keyword adapter). The guide's thresholds then read as: 0.8 "about as good as the best, which is
 * a real match", 0.7 the default, 0.5 "broad context". Returns a value in 0–1; 0 when
 * `value` or `best` is not positive.
 */
export function calibrateScore(value: number, best: number, fullMatch: number, falloff = 2): number {
  if (!(value > 0) || !(best > 0)) return 0;
  const confidence = best >= fullMatch ? 1 : (best / fullMatch) ** falloff;
  return Math.min(1, (value / best) * confidence);
}
