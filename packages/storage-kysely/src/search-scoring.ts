/** A document containing at least one query term, with its term frequencies. */
export interface ScoringCandidate<Key> {
  /** The caller's handle (a row id); candidates are returned with it. */
  readonly key: Key;
  /** Insertion order (ties are broken towards earlier documents). */
  readonly order: number;
  /** Indexed tokens of the document (stop words excluded). */
  readonly length: number;
  /** Occurrences of each query term, indexed like the query terms. */
  readonly frequencies: readonly number[];
}

/** Corpus statistics and BM25 parameters for {@link scoreCandidates}. */
export interface ScoringInput<Key> {
  /** Number of distinct query terms. */
  readonly termCount: number;
  /** Number of indexed chunks in the collection. */
  readonly documentCount: number;
  /** Average indexed length of the collection's chunks. */
  readonly averageLength: number;
  /**
   * Every chunk containing at least one query term. The document frequency of each term is
   * counted from this list, so it must be complete (not filtered by metadata).
   */
  readonly candidates: readonly ScoringCandidate<Key>[];
  /** BM25 k1. Default 1.2. */
  readonly k1?: number;
  /** BM25 b. Default 0.75. */
  readonly b?: number;
}

/** A scored candidate. */
export interface ScoredCandidate<Key> {
  readonly key: Key;
  /** Normalised score in 0–1. */
  readonly score: number;
  /** Plain BM25, the tie-breaker. */
  readonly raw: number;
  readonly order: number;
}

/**
 * Scores candidates exactly like `InMemorySearchAdapter` of `@dk/rag`, so a `scoreThreshold`
 * means the same on every adapter: BM25 (idf = ln(1 + (N − df + 0.5) / (df + 0.5))) for the
 * raw score, and for the normalised score each query term's term-frequency factor
 * `tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))` capped at 1, weighted by its idf and
 * divided by the sum of the query terms' idf. Returned best first: by score, then raw BM25,
 * then insertion order.
 */
export function scoreCandidates<Key>(input: ScoringInput<Key>): ScoredCandidate<Key>[] {
  const { termCount, documentCount, candidates } = input;
  const k1 = input.k1 ?? 1.2;
  const b = input.b ?? 0.75;
  if (termCount === 0 || documentCount === 0) return [];
  const averageLength = input.averageLength || 1;
  const frequencies = new Array<number>(termCount).fill(0);
  for (const candidate of candidates) {
    for (let term = 0; term < termCount; term++) if ((candidate.frequencies[term] ?? 0) > 0) frequencies[term]!++;
  }
  const idf = frequencies.map((df) => Math.log(1 + (documentCount - df + 0.5) / (df + 0.5)));
  const idfTotal = idf.reduce((sum, value) => sum + value, 0);
  const lengthWeight = (k1 * b) / averageLength;
  const lengthBase = k1 * (1 - b);
  const scored = candidates.map((candidate): ScoredCandidate<Key> => {
    let raw = 0;
    let capped = 0;
    for (let term = 0; term < termCount; term++) {
      const frequency = candidate.frequencies[term] ?? 0;
      if (frequency === 0) continue;
      const factor = (frequency * (k1 + 1)) / (frequency + lengthBase + lengthWeight * candidate.length);
      raw += idf[term]! * factor;
      capped += idf[term]! * (factor < 1 ? factor : 1);
    }
    const score = idfTotal > 0 ? Math.min(1, capped / idfTotal) : 0;
    return { key: candidate.key, score, raw, order: candidate.order };
  });
  scored.sort((left, right) => right.score - left.score || right.raw - left.raw || left.order - right.order);
  return scored;
}
