export {
  normalizeRagConfig,
  checkRagTimeout,
  defaultItemTemplate,
  defaultRagEmptyText,
  defaultRagPlaceholder,
  defaultRagSeparator,
  defaultRagTimeoutMs,
} from './rag-config.js';
export type { RagAdapter, RagAdapterResult } from './rag-adapter.js';
export type { NormalizedRagConfig, RagConfig } from './rag-config.js';
export { RagConfigError } from './rag-config-error.js';
export type { RagConfigErrorOptions } from './rag-config-error.js';
export { formatRagContent } from './format-rag-content.js';
export type { FormatRagContentOptions } from './format-rag-content.js';
export { InMemorySearchAdapter } from './in-memory-search-adapter.js';
export type { InMemoryDocument, InMemorySearchAdapterSettings } from './in-memory-search-adapter.js';
export { makeVariablesOptional } from './make-variables-optional.js';
export { runRagSearches } from './run-rag-searches.js';
export type { RagFailurePolicy, RagOutcome, RagSearchRequest, RunRagSearchesOptions } from './run-rag-searches.js';
// Defined in @dk/storage-utils (shared with the SQL adapters); re-exported for adapter authors.
export {
  chunkDocuments,
  chunkId,
  chunkText,
  defaultChunkMaxChars,
  defaultChunkOverlapChars,
  defaultSearchK,
  defaultStopWords,
  indexInBatches,
  matchesFilters,
  resolveChunkingOptions,
  tokenize,
  validateSearchOptions,
} from '@dk/storage-utils';
export type {
  ChunkedDocument,
  DocumentChunk,
  ResolvedChunkingOptions,
  ValidatedSearchOptions,
} from '@dk/storage-utils';
export { CachedEmbeddingModel, MemoryEmbeddingCache, hashEmbeddingText } from './embedding-cache.js';
export type { CachedEmbeddingModelSettings, MemoryEmbeddingCacheSettings } from './embedding-cache.js';
export { defaultVectorFullMatch, VectorSearchAdapter } from './vector-search-adapter.js';
export type { VectorAddOptions, VectorDocument, VectorSearchAdapterSettings } from './vector-search-adapter.js';
export { HybridSearchAdapter } from './hybrid-search-adapter.js';
export type { HybridSearchAdapterSettings } from './hybrid-search-adapter.js';
export { MemoryRagResultCache, ragQueryHash } from './rag-cache.js';
export type { MemoryRagResultCacheSettings, RagQueryKey } from './rag-cache.js';
export { KeyValueRagResultCache } from './key-value-rag-result-cache.js';
export type { KeyValueRagResultCacheSettings } from './key-value-rag-result-cache.js';
export { checkTokenBudget, cutToBudget, estimateRagTokens } from './rag-budget.js';
export type { RagBudgetItem, RagPromptBudget, RagTokenCounter } from './rag-budget.js';
