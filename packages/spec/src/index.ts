export { DkError } from './dk-error.js';
export type { DkErrorFields, DkErrorOptions } from './dk-error.js';

export type { LLMMessage, MessageRole, ToolCall } from './llm-message.js';
export type { CompletionOptions, JsonSchema, ResponseFormat, ToolChoice, ToolDefinition } from './llm-options.js';
export type { FinishReason, LLMResponse, ProviderWarning, Usage } from './llm-response.js';
export type { EndPart, StreamPart, TextDeltaPart, ToolCallDeltaPart, ToolCallPart } from './llm-stream-part.js';
export type { LLMInput, LLMProvider } from './llm-provider.js';

export { ProviderError } from './provider-error.js';
export type { ProviderErrorOptions } from './provider-error.js';
export { AbortError } from './abort-error.js';
export { AuthenticationError } from './authentication-error.js';
export { ContextLengthExceededError } from './context-length-exceeded-error.js';
export { InvalidRequestError } from './invalid-request-error.js';
export { InvalidResponseError } from './invalid-response-error.js';
export { ProviderUnavailableError } from './provider-unavailable-error.js';
export { RateLimitError } from './rate-limit-error.js';
export { StructuredOutputError } from './structured-output-error.js';
export type { StructuredOutputIssue } from './structured-output-error.js';
export { TimeoutError } from './timeout-error.js';

export type { SearchAdapter, SearchFilters, SearchOptions, SearchResult } from './search-adapter.js';
export { RagSearchError } from './rag-search-error.js';
export type { RagSearchErrorOptions } from './rag-search-error.js';
export type {
  ChunkingOptions,
  IndexableSearchAdapter,
  IndexOptions,
  IndexProgress,
  IndexResult,
  SearchDocument,
} from './search-index.js';
export type { EmbeddingCache, EmbeddingModel, EmbeddingOptions } from './embedding-model.js';
export type {
  ConversationMetadata,
  ConversationNode,
  ConversationRole,
  ConversationToolCall,
  NewConversationNode,
} from './conversation-node.js';
export type { ConversationRecord, ConversationTree } from './conversation-record.js';
export type {
  AppendNodeOptions,
  AppendNodeResult,
  ConversationFilter,
  ConversationMetadataValue,
  ConversationPage,
  ConversationReference,
  ConversationSortField,
  ConversationStore,
  CreateConversationOptions,
  ListConversationsOptions,
  NodeReference,
  SearchConversationsOptions,
  UpdateConversationOptions,
} from './conversation-store.js';
export { ConversationConflictError } from './conversation-conflict-error.js';
export { ConversationExistsError } from './conversation-exists-error.js';
export { ConversationNotFoundError } from './conversation-not-found-error.js';
export { ConversationStoreError } from './conversation-store-error.js';
export type { ConversationStoreErrorOptions } from './conversation-store-error.js';
export { StoreUnavailableError } from './store-unavailable-error.js';
export { InvalidFilterError } from './invalid-filter-error.js';
export { InvalidNodeError } from './invalid-node-error.js';
export { NodeNotFoundError } from './node-not-found-error.js';
export { StoreClosedError } from './store-closed-error.js';

export type {
  CitedSearchResult,
  PromptRenderer,
  PromptRenderOptions,
  PromptValidationLevel,
  RagDroppedResult,
  RagResultCache,
  RagRun,
  RenderedPrompt,
} from './prompt-renderer.js';
export type { Tool, ToolExecutionContext, ToolSet } from './tool.js';
export type {
  InferSchemaOutput,
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
} from './standard-schema.js';

export { checkOptions } from './check-options.js';
export { closestNames, levenshtein } from './closest-names.js';
export { InvalidOptionsError } from './invalid-options-error.js';

export type { SharedStateComponent, SharedStateFailurePolicy } from './shared-state-failure-policy.js';
export { SharedStateUnavailableError } from './shared-state-unavailable-error.js';
export { SharedStateInputError } from './shared-state-input-error.js';
export {
  checkCacheReference,
  checkCacheSet,
  checkFailurePolicy,
  checkMilliseconds,
  checkRateLimitRule,
  checkStateKey,
  checkTokenBudgetIncrement,
} from './shared-state-checks.js';
export type {
  RateLimitCheckOptions,
  RateLimitDecision,
  RateLimiter,
  RateLimitPeekOptions,
  RateLimitResetOptions,
  RateLimitRule,
} from './rate-limiter.js';
export type {
  TokenBudget,
  TokenBudgetGetOptions,
  TokenBudgetIncrementOptions,
  TokenBudgetResetOptions,
  TokenBudgetUsage,
} from './token-budget.js';
export type {
  CacheDeleteOptions,
  CacheEntryReference,
  CacheGetOptions,
  CacheGetResult,
  CacheInvalidateOptions,
  CacheInvalidation,
  CacheSetOptions,
  KeyValueCache,
} from './key-value-cache.js';
