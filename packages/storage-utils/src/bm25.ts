/** BM25 term-frequency saturation used when none is given. */
export const defaultBm25K1 = 1.2;
/** BM25 length normalisation used when none is given. */
export const defaultBm25B = 0.75;

/** The corpus statistics and parameters one query is scored with. */
export interface Bm25QueryInput {
  /** Number of indexed documents (chunks) in the collection. */
  readonly documentCount: number;
  /** Average indexed length (tokens) of the collection's documents. */
  readonly averageLength: number;
  /** For each distinct query term, the number of documents containing it. */
  readonly documentFrequencies: readonly number[];
  /** Term-frequency saturation. Default {@link defaultBm25K1}. */
  readonly k1?: number;
  /** Length normalisation, 0–1. Default {@link defaultBm25B}. */
  readonly b?: number;
}

/**
 * The one BM25 scoring of dk's keyword search adapters (in memory, SQLite, PostgreSQL), so a
 * `scoreThreshold` means the same on each.
 *
 * Raw score: Okapi BM25 with idf = ln(1 + (N − df + 0.5) / (df + 0.5)). Normalised score
 * (0–1, independent of the other results): each query term's term-frequency factor
 * `tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))` capped at 1 (its value for one occurrence
 * in a document of average length), weighted by the term's idf, divided by the sum of the
 * query terms' idf. So 1 means "every query term occurs at least as densely as once in an
 * average document", 0.5 "about half of the query's information matched".
 *
 * An adapter creates one scorer per query, then for each (document, term) occurrence calls
 * {@link Bm25Scorer.accumulate}, and reads {@link Bm25Scorer.score} per document.
 */
export class Bm25Scorer {
  /** Idf of each query term, indexed like `documentFrequencies`. */
  readonly idf: readonly number[];
  /** Sum of the query terms' idf: the normalised score's denominator. */
  readonly idfTotal: number;
  readonly #k1Plus1: number;
  readonly #lengthBase: number;
  readonly #lengthWeight: number;

  constructor(input: Bm25QueryInput) {
    const k1 = input.k1 ?? defaultBm25K1;
    const b = input.b ?? defaultBm25B;
    const count = input.documentCount;
    this.idf = input.documentFrequencies.map((df) => Math.log(1 + (count - df + 0.5) / (df + 0.5)));
    this.idfTotal = this.idf.reduce((sum, value) => sum + value, 0);
    this.#k1Plus1 = k1 + 1;
    this.#lengthBase = k1 * (1 - b);
    this.#lengthWeight = (k1 * b) / (input.averageLength || 1);
  }

  /**
   * Adds the contribution of query term `term` occurring `frequency` (> 0) times in a
   * document of `length` indexed tokens to `raw[slot]` (plain BM25) and `capped[slot]` (the
   * sum {@link score} normalises). The caller zeroes a slot before its first term.
   */
  accumulate(raw: Float64Array, capped: Float64Array, slot: number, term: number, frequency: number, length: number) {
    const idf = this.idf[term]!;
    const factor = (frequency * this.#k1Plus1) / (frequency + this.#lengthBase + this.#lengthWeight * length);
    raw[slot]! += idf * factor;
    capped[slot]! += idf * (factor < 1 ? factor : 1);
  }

  /** The normalised 0–1 score of a document whose capped sum is `capped`. */
  score(capped: number): number {
    return this.idfTotal > 0 ? Math.min(1, capped / this.idfTotal) : 0;
  }
}

/** A scored document, as adapters rank them. */
export interface ScoredCandidate<Key> {
  /** The caller's handle (a row id, a slot). */
  readonly key: Key;
  /** Normalised score in 0–1. */
  readonly score: number;
  /** Plain BM25, the first tie-breaker. */
  readonly raw: number;
  /** Insertion order, the second tie-breaker (earlier first). */
  readonly order: number;
}

/**
 * The ranking order of every keyword adapter: by normalised score, then raw BM25, then
 * insertion order. Negative when the candidate `(score, raw, order)` ranks before `other`.
 * Takes numbers, so a top-k loop can test a candidate without allocating it.
 */
export function compareScores(score: number, raw: number, order: number, other: ScoredCandidate<unknown>): number {
  return other.score - score || other.raw - raw || order - other.order;
}

/** {@link compareScores} of two scored candidates, for `sort`: best first. */
export function compareScoredCandidates<Key>(left: ScoredCandidate<Key>, right: ScoredCandidate<Key>): number {
  return compareScores(left.score, left.raw, left.order, right);
}

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

/** Corpus statistics and candidates for {@link scoreCandidates}. */
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

/**
 * Scores candidates read from a database index with {@link Bm25Scorer} and returns them best
 * first ({@link compareScoredCandidates}). For SQL adapters that fetch term statistics.
 */
export function scoreCandidates<Key>(input: ScoringInput<Key>): ScoredCandidate<Key>[] {
  const { termCount, documentCount, candidates } = input;
  if (termCount === 0 || documentCount === 0) return [];
  const documentFrequencies = new Array<number>(termCount).fill(0);
  for (const candidate of candidates) {
    for (let term = 0; term < termCount; term++) {
      if ((candidate.frequencies[term] ?? 0) > 0) documentFrequencies[term]!++;
    }
  }
  const scorer = new Bm25Scorer({
    documentCount,
    averageLength: input.averageLength,
    documentFrequencies,
    ...(input.k1 === undefined ? {} : { k1: input.k1 }),
    ...(input.b === undefined ? {} : { b: input.b }),
  });
  const raw = new Float64Array(candidates.length);
  const capped = new Float64Array(candidates.length);
  const scored = candidates.map((candidate, slot): ScoredCandidate<Key> => {
    for (let term = 0; term < termCount; term++) {
      const frequency = candidate.frequencies[term] ?? 0;
      if (frequency > 0) scorer.accumulate(raw, capped, slot, term, frequency, candidate.length);
    }
    return { key: candidate.key, score: scorer.score(capped[slot]!), raw: raw[slot]!, order: candidate.order };
  });
  return scored.sort(compareScoredCandidates);
}
