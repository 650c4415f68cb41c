import {
  CachingConversationStore,
  ContentFilterMiddleware,
  LoggingMiddleware,
  MetadataMiddleware,
  PerformanceMiddleware,
  RateLimitMiddleware,
  TokenBudgetMiddleware,
} from '@dk/conversations';
import type { ConversationMiddleware } from '@dk/conversations';
import { CompositePromptLibrary, FileSystemPromptLibrary, PromptBuilder } from '@dk/prompts';
import { KeyValueRagResultCache } from '@dk/rag';
import { resolve } from 'node:path';
import type { DemoConfig } from '../config/demo-config.js';
import { JsonLogger } from '../log/json-logger.js';
import { createProvider } from './create-provider.js';
import { createSharedState } from './create-shared-state.js';
import { createStore } from './create-store.js';
import { demoTools } from './demo-tools.js';
import { NotesStore } from './notes-store.js';
import type { DemoApp } from './demo-app.js';
import { loadCorpus } from './load-corpus.js';
import type { IndexProgress } from './load-corpus.js';
import { RagCacheRenderer } from './rag-cache-renderer.js';
import { UsageMonitor } from './usage-monitor.js';
import { startTelemetry } from '../telemetry/start-telemetry.js';

/** Options of {@link createDemoApp}. */
export interface CreateDemoAppOptions {
  readonly config: DemoConfig;
  /** The demo app directory: relative paths of the config resolve against it. */
  readonly appDir: string;
  /** Environment variables (keys, connection strings). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where log lines go. Default: standard error. */
  readonly writeLog?: (line: string) => void;
  /** Progress of the RAG corpus indexing. */
  readonly onIndexProgress?: IndexProgress;
}

/**
 * The composition root: builds the provider, store, prompt libraries, RAG adapter and
 * middleware named by the config. This is the only module that knows concrete classes.
 */
export async function createDemoApp({
  config,
  appDir,
  env = process.env,
  writeLog,
  onIndexProgress,
}: CreateDemoAppOptions): Promise<DemoApp> {
  const secrets = [
    config.provider.apiKeyEnv,
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    config.storage.postgresUrlEnv,
    config.storage.postgresReadUrlEnv,
  ]
    .map((name) => (name === undefined ? undefined : env[name]))
    .concat(config.redis.url)
    .filter((value): value is string => value !== undefined && value !== '');
  const logger = new JsonLogger({
    level: config.logLevel,
    secrets,
    base: { app: 'dk-demo', env: config.environment },
    ...(writeLog === undefined ? {} : { write: writeLog }),
  });

  const telemetry = startTelemetry(config.telemetry);
  const libraries = config.prompts.directories.map(
    (directory) => new FileSystemPromptLibrary(resolve(appDir, directory), { name: directory }),
  );
  const { adapter: corpus, fingerprint } = await loadCorpus(
    resolve(appDir, config.rag.corpus),
    config.rag.adapterName,
    onIndexProgress,
  );
  const promptBuilder = await PromptBuilder.create({
    library:
      libraries.length === 1
        ? (libraries[0] as FileSystemPromptLibrary)
        : new CompositePromptLibrary({ libraries, names: config.prompts.directories }),
    adapters: [corpus],
    ragFailurePolicy: 'omit',
  });

  const llm = await createProvider(config.provider, env);
  // Every limiter, budget and cache: in Redis with `redis.url`, so several servers share them.
  const shared = await createSharedState(config.redis, logger);
  const store = await createStore(config.storage, appDir, env);
  const storage =
    shared.conversationCache === undefined
      ? store
      : new CachingConversationStore({
          store,
          cache: shared.conversationCache,
          ttlMs: config.redis.conversationCacheTtlMs,
          onError: (error) => logger.warn('conversation cache invalidation failed', { error }),
        });
  const renderer =
    shared.ragCache === undefined
      ? promptBuilder
      : new RagCacheRenderer({
          renderer: promptBuilder,
          cache: new KeyValueRagResultCache({
            cache: shared.ragCache,
            ttlMs: config.redis.ragCacheTtlMs,
            namespace: `${config.rag.adapterName}:${fingerprint}`,
          }),
        });
  // Notes live next to the SQLite database (or in memory with the other stores).
  const notes = new NotesStore(
    config.storage.type === 'sqlite' ? resolve(appDir, config.storage.sqlitePath, '..', 'notes.jsonl') : undefined,
  );
  const tools = demoTools({ corpus, notes });
  const usage = new UsageMonitor({
    counters: shared.usageCounters,
    knownModels: [{ provider: llm.provider, model: llm.modelId }],
    logger,
  });
  const performance = new PerformanceMiddleware({ slowThresholdMs: config.middleware.slowThresholdMs, logger });
  const middleware: ConversationMiddleware[] = [
    ...(config.middleware.logging ? [new LoggingMiddleware({ logger, logContent: false })] : []),
    performance,
    new RateLimitMiddleware({ ...config.middleware.rateLimit, metadataKey: 'userId', limiter: shared.modelLimiter }),
    new TokenBudgetMiddleware({ ...config.middleware.tokenBudget, logger, budget: shared.tokenBudget }),
    usage,
    ...(config.middleware.contentFilter.words.length === 0
      ? []
      : [new ContentFilterMiddleware({ words: config.middleware.contentFilter.words })]),
    new MetadataMiddleware({ responseMetadata: { app: 'dk-demo', environment: config.environment } }),
  ];
  logger.info('demo app ready', {
    provider: llm.provider,
    model: llm.modelId,
    storage: storage.provider,
    sharedState: shared.provider,
    prompts: config.prompts.directories,
    corpusDocuments: corpus.size,
  });

  let closing: Promise<void> | undefined;
  return {
    config,
    llm,
    storage,
    promptBuilder,
    libraries,
    corpus,
    tools,
    notes,
    managerSettings: {
      llm,
      storage,
      promptBuilder: renderer,
      middleware,
      tools,
      telemetry: { recordContent: config.telemetry.recordContent },
    },
    sharedState: shared,
    telemetry,
    middleware,
    logger,
    usage: () => usage.snapshot(),
    performance: () => performance.getStats(),
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([
          storage.close(),
          llm.close(),
          ...libraries.map((library) => library.close()),
          telemetry.shutdown(),
        ]);
        for (const result of results)
          if (result.status === 'rejected') logger.error('close failed', { error: result.reason });
        logger.info('demo app closed', { usage: await usage.snapshot().catch(() => undefined) });
        await shared.close();
      })();
      return closing;
    },
  };
}
