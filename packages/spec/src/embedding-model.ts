/** Options of one embedding call ({@link EmbeddingModel.embed}, `LLMProvider.embed`). */
export interface EmbeddingOptions {
  /** Embedding model for this call (providers whose `embed` can use several); default: the instance's. */
  readonly model?: string;
  /** Cancels the call; the model rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole call in milliseconds, retries included. */
  readonly timeoutMs?: number;
  /** Retries of retryable failures after the first attempt. */
  readonly maxRetries?: number;
}

/**
 * A text embedding model: turns texts into fixed-length vectors whose cosine similarity
 * reflects how related the texts are. Used by vector and hybrid search.
 *
 * `embed` returns one vector per text, in input order, all of the same length
 * (`dimensions` when the model declares it). An empty input gives an empty array. Failures
 * reject with a `ProviderError` subclass (or the signal's reason when aborted).
 */
export interface EmbeddingModel {
  /** Version of this contract the model implements. */
  readonly specificationVersion: 'v1';
  /**
   * Stable id of the model (`openai:text-embedding-3-small`, `echo:hash-768`). Caches key
   * vectors by it, so two models that produce different vectors must have different ids.
   */
  readonly modelId: string;
  /** Length of every vector, when known up front. */
  readonly dimensions?: number;
  /** Embeds `texts`, one vector per text, in order. */
  embed(texts: readonly string[], options?: EmbeddingOptions): Promise<number[][]>;
}

/**
 * A store of embeddings keyed by model id and a hash of the text (so the text itself need
 * not be kept). Implementations: `MemoryEmbeddingCache` (`@dk/rag`),
 * `SqliteEmbeddingCache` (`@dk/storage-sqlite`).
 */
export interface EmbeddingCache {
  /** The vectors stored for `textHashes` under `modelId`, `undefined` where none is stored; same order. */
  getMany(modelId: string, textHashes: readonly string[]): Promise<(readonly number[] | undefined)[]>;
  /** Stores vectors under `modelId`; an existing entry for the same hash is replaced. */
  setMany(
    modelId: string,
    entries: readonly { readonly textHash: string; readonly vector: readonly number[] }[],
  ): Promise<void>;
  /** Releases resources. Idempotent. */
  close?(): Promise<void>;
}
