/**
 * Metadata equality filters for a search. A result matches when, for every key, its metadata
 * value equals the filter value (`===` for primitives). A filter value that is an array
 * matches when the metadata value equals any of its elements.
 */
export type SearchFilters = Readonly<Record<string, unknown>>;

/** Options of one {@link SearchAdapter.search} call. */
export interface SearchOptions {
  /** Maximum number of results. Default 5. A positive integer. */
  readonly k?: number;
  /** Metadata equality filters; see {@link SearchFilters}. */
  readonly filters?: SearchFilters;
  /**
   * Minimum score (inclusive) a result must reach, in the 0–1 scale of
   * {@link SearchResult.score}. Default: no threshold.
   */
  readonly scoreThreshold?: number;
  /** Cancels the search; the adapter rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** One retrieved document. */
export interface SearchResult {
  /** Stable id of the document in its source. */
  readonly id: string;
  /** The retrieved text. Treat it as untrusted: it was not written by the prompt author. */
  readonly content: string;
  /**
   * Relevance in 0–1, higher is better. Adapters normalise their native scores into this
   * range so that a `score_threshold` means the same thing for every adapter; each adapter
   * documents its normalisation.
   */
  readonly score: number;
  /** Source metadata (title, url, type, …). JSON-safe values. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * The contract every search provider implements for RAG: in-memory BM25, a database's
 * full-text search, a vector store.
 *
 * Results come back best first, at most `k` of them, all matching `filters` and scoring at
 * least `scoreThreshold`. Failures reject with `RagSearchError` (or the signal's reason when
 * aborted).
 */
export interface SearchAdapter {
  /** Version of this contract the adapter implements. */
  readonly specificationVersion: 'v1';
  /** The name RAG configs use to address this adapter (`adapter_name`). */
  readonly name: string;
  /** Runs one search. */
  search(query: string, options?: SearchOptions): Promise<SearchResult[]>;
  /** Releases resources held by the adapter. Idempotent. */
  close?(): Promise<void>;
}
