export { runConversationStoreConformance } from './store-conformance.js';
export type { ConversationStoreConformanceOptions } from './store-conformance.js';
export type { StoreCapabilities } from './store-conformance-queries.js';
export { checkTree } from './store-tree-check.js';
export { conformanceRetrySettings, runProviderConformance } from './provider-conformance.js';
export type { ProviderConformanceOptions } from './provider-conformance.js';
export { findSecretLeaks } from './secret-leaks.js';
export { caught, collectParts, invalidOptionsFailure, providerFailure } from './provider-test-helpers.js';
export { createWireStep } from './provider-wire-steps.js';
export type { Echo, VendorErrorKind, WireProtocol } from './provider-wire-steps.js';
export type {
  CreateProviderHarness,
  ProviderHarness,
  ProviderHarnessOptions,
  RecordedMessage,
  RecordedRequest,
  ScriptedError,
  ScriptedErrorKind,
  ScriptedToolCall,
  ScriptedTurn,
} from './provider-harness.js';
export {
  dropSchema,
  isPostgresReachable,
  postgresTestUrl,
  randomSchemaName,
  shouldSkipPostgres,
} from './store-postgres-server.js';
export { runStoreProcessTests } from './store-process-tests.js';
export type { StoreProcessTestOptions } from './store-process-tests.js';
export { runSearchAdapterConformance, searchConformanceCorpus } from './search-conformance.js';
export type { SearchAdapterConformanceOptions, SearchCapabilities } from './search-conformance.js';
export { createVocabularyEmbeddingModel } from './vocabulary-embedding-model.js';
export { runGuideRagExamples } from './search-guide-examples.js';
export type { GuideRagExamplesOptions } from './search-guide-examples.js';
export { runRateLimiterConformance } from './rate-limiter-conformance.js';
export type { RateLimiterConformanceOptions } from './rate-limiter-conformance.js';
export { runTokenBudgetConformance } from './token-budget-conformance.js';
export type { TokenBudgetConformanceOptions } from './token-budget-conformance.js';
export { runKeyValueCacheConformance } from './key-value-cache-conformance.js';
export type { KeyValueCacheConformanceOptions } from './key-value-cache-conformance.js';
export {
  hasRedisBinaries,
  pingRedis,
  randomRedisPrefix,
  redisTestUrl,
  shouldSkipRedis,
  startRedisCluster,
  startRedisServer,
} from './redis-servers.js';
export type { RedisClusterProcess, RedisServerProcess } from './redis-servers.js';
export { chatBody, startDemoServers } from './demo-servers.js';
export type { DemoServers } from './demo-servers.js';
export { zipfCorpus } from './zipf-corpus.js';
