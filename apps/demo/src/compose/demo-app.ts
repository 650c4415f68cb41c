import type { ConversationManagerSettings, ConversationMiddleware, PerformanceStats } from '@dk/conversations';
import type { FileSystemPromptLibrary, PromptBuilder } from '@dk/prompts';
import type { ConversationStore, LLMProvider, SearchAdapter, ToolSet } from '@dk/spec';
import type { DemoConfig } from '../config/demo-config.js';
import type { JsonLogger } from '../log/json-logger.js';
import type { SharedState } from './create-shared-state.js';
import type { NotesStore } from './notes-store.js';
import type { UsageSnapshot } from './usage-monitor.js';
import type { DemoTelemetry } from '../telemetry/start-telemetry.js';

/**
 * Everything the chat front ends need, wired by the composition root. Front ends see only
 * contracts (`LLMProvider`, `ConversationStore`), never a concrete provider or store.
 */
export interface DemoApp {
  readonly config: DemoConfig;
  readonly llm: LLMProvider;
  readonly storage: ConversationStore;
  readonly promptBuilder: PromptBuilder;
  /** The prompt libraries, most specific first (the studio browses them). */
  readonly libraries: readonly FileSystemPromptLibrary[];
  /** The RAG adapter over the bundled corpus. */
  readonly corpus: SearchAdapter;
  /** The demo's tools (`search_docs`, `save_note`), given to every conversation. */
  readonly tools: ToolSet;
  /** Where `save_note` keeps notes. */
  readonly notes: NotesStore;
  /** What every conversation manager is opened with: model, store, prompts, middleware, tools. */
  readonly managerSettings: ConversationManagerSettings;
  /** The middleware stack, outermost first. */
  readonly middleware: readonly ConversationMiddleware[];
  readonly logger: JsonLogger;
  /** Every limiter, budget and cache (in memory, or in Redis shared by every server). */
  readonly sharedState: SharedState;
  /** Token usage per model (of every server when the counters are in Redis). */
  usage(): Promise<UsageSnapshot>;
  /** OpenTelemetry: the exporter chosen by the config and the studio's recent traces. */
  readonly telemetry: DemoTelemetry;
  /** Latency statistics of model calls. */
  performance(): PerformanceStats;
  /** Closes the store, the provider and the prompt libraries (idempotent). */
  close(): Promise<void>;
}
