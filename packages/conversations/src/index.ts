export { ConversationManager } from './conversation-manager.js';
export type { CompletionResult } from './completion-result.js';
export type {
  AddContentMessageOptions,
  AddMessageOptions,
  AddPromptMessageOptions,
  CloseManagerOptions,
  CompactOptions,
  CompleteOptions,
  CompletionOverrides,
  ContextLimit,
  ConversationManagerSettings,
  CreateConversationManagerOptions,
  ResumeConversationManagerOptions,
} from './conversation-manager-options.js';
export type { BranchInfo, ConversationState, ConversationTotals } from './conversation-state.js';
export type {
  ConversationMiddleware,
  MiddlewareContext,
  ModelCallRecord,
  RecordModelCallOptions,
  StreamPartResult,
  TurnSummary,
} from './conversation-middleware.js';
export type { ConversationLogger, LogFields } from './conversation-logger.js';
export type { ConversationTelemetryOptions, NodeTraceReference } from './conversation-telemetry.js';
export type { ConversationSummarizer, ConversationSummary, SummarizeRequest } from './conversation-summarizer.js';
export { LlmSummarizer, defaultSummaryPrompt } from './llm-summarizer.js';
export type { LlmSummarizerOptions } from './llm-summarizer.js';
export { computeCostUsd, findModelPrice } from './price-table.js';
export type { ModelPrice, PriceTable } from './price-table.js';
export { exportConversation, importConversation } from './conversation-export.js';
export type { ConversationExport, ExportConversationOptions, ExportedNode } from './conversation-export.js';
export { importChatGptConversation } from './import-chatgpt-conversation.js';
export { importDataknobsConversation } from './import-dataknobs-conversation.js';
export type { ImportConversationOptions, ImportConversationResult } from './import-conversation-options.js';
export { deleteConversationsOlderThan } from './delete-conversations-older-than.js';
export type { DeleteConversationsOlderThanOptions } from './delete-conversations-older-than.js';
export { checkHealth } from './check-health.js';
export type { CheckHealthOptions, ComponentHealth, HealthReport } from './check-health.js';
export { redactSecrets, defaultSecretPatterns } from './redact-secrets.js';

export { LoggingMiddleware } from './middleware/logging-middleware.js';
export type { LoggingMiddlewareOptions } from './middleware/logging-middleware.js';
export { ContentFilterMiddleware } from './middleware/content-filter-middleware.js';
export type { ContentFilterMiddlewareOptions } from './middleware/content-filter-middleware.js';
export {
  ValidationMiddleware,
  defaultValidationTemplate,
  parseValidationVerdict,
} from './middleware/validation-middleware.js';
export type { ValidationMiddlewareOptions, ValidationVerdict } from './middleware/validation-middleware.js';
export { MetadataMiddleware } from './middleware/metadata-middleware.js';
export type { MetadataMiddlewareOptions } from './middleware/metadata-middleware.js';
export { RateLimitMiddleware } from './middleware/rate-limit-middleware.js';
export type { RateLimitMiddlewareOptions, RateLimitStatus } from './middleware/rate-limit-middleware.js';
export { TokenBudgetMiddleware } from './middleware/token-budget-middleware.js';
export type { TokenBudgetMiddlewareOptions } from './middleware/token-budget-middleware.js';
export { PerformanceMiddleware } from './middleware/performance-middleware.js';
export type { PerformanceMiddlewareOptions, PerformanceStats } from './middleware/performance-middleware.js';
export { HistoryRedactionMiddleware } from './middleware/history-redaction-middleware.js';
export type { HistoryRedaction, HistoryRedactionMiddlewareOptions } from './middleware/history-redaction-middleware.js';

export { MemoryRateLimiter } from './shared-state/memory-rate-limiter.js';
export type { MemoryRateLimiterSettings } from './shared-state/memory-rate-limiter.js';
export { MemoryTokenBudget } from './shared-state/memory-token-budget.js';
export type { MemoryTokenBudgetSettings } from './shared-state/memory-token-budget.js';
export { MemoryKeyValueCache } from './shared-state/memory-key-value-cache.js';
export type { MemoryKeyValueCacheSettings } from './shared-state/memory-key-value-cache.js';
export { CachingConversationStore, createCachingConversationStore } from './shared-state/caching-conversation-store.js';
export type { CachingConversationStoreSettings } from './shared-state/caching-conversation-store.js';

export { ConversationInputError } from './conversation-input-error.js';
export { ConversationStateError } from './conversation-state-error.js';
export { ConversationImportError } from './conversation-import-error.js';
export { RateLimitExceededError } from './rate-limit-exceeded-error.js';
export { TokenBudgetExceededError } from './token-budget-exceeded-error.js';
export { ResponseValidationError } from './response-validation-error.js';

export type {
  CompletionStep,
  ConversationStreamPart,
  PendingReason,
  PendingToolCall,
  RepairStartPart,
  StepFinishPart,
  ToolPendingPart,
  ToolResultPart,
  ToolResultRecord,
  TurnEndPart,
  TurnStatus,
} from './turn-types.js';
export type { ApproveToolCallOptions } from './tool-approvals.js';
export type { OutputSchema } from './structured-output.js';
export type { ToolCallInfo, ToolResultInfo } from './conversation-middleware.js';
export { ToolCallError } from './tool-call-error.js';
