import type { ValidationLevel } from '@dk/templates';

/** Options the manager passes when it renders a named prompt. */
export interface PromptRenderOptions {
  /** Template parameters. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Whether to run the prompt's RAG searches. */
  readonly includeRag?: boolean;
  /** Per-call validation level of required parameters (wins over the prompt's and the builder's). */
  readonly validationLevel?: ValidationLevel;
  /** Cancels RAG searches. */
  readonly signal?: AbortSignal;
  /**
   * Results of earlier searches by query hash (`@dk/rag`'s `RagResultCache`): the builder
   * uses a hit instead of searching and reports `cacheHit` on the run. Passed when
   * `cacheRag` is on.
   */
  readonly ragCache?: RagResultCacheLike;
}

/** One search result as the manager stores and reuses it (`@dk/spec`'s `SearchResult`). */
export interface SearchResultLike {
  readonly id: string;
  readonly content: string;
  readonly score: number;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What the manager gives the builder as `ragCache` (`@dk/rag`'s `RagResultCache`). */
export interface RagResultCacheLike {
  /** Stored results for a query hash, or `undefined`. */
  get(queryHash: string): readonly SearchResultLike[] | undefined;
}

/**
 * What the manager reads from one RAG search of a render (`@dk/rag`'s `RagRun`); all
 * fields optional so other builders can report less.
 */
export interface RagRunLike {
  readonly placeholder?: string;
  readonly adapterName?: string;
  readonly configName?: string | undefined;
  readonly query?: string;
  readonly k?: number;
  readonly status?: string;
  readonly results?: readonly {
    readonly id?: string | undefined;
    readonly score?: number | undefined;
    readonly citation?: number | undefined;
  }[];
  readonly durationMs?: number;
  /** Identity of the search (adapter, rendered query, k, filters, threshold), computed by the builder. */
  readonly queryHash?: string | undefined;
  /** True when the builder took the results from `ragCache` instead of searching. */
  readonly cacheHit?: boolean;
  /** Everything the search returned before token budgets: what `cacheRag` stores for reuse. */
  readonly retrieved?: readonly SearchResultLike[];
  /** The config's token budget, tokens used and what the budgets dropped. */
  readonly maxTokens?: number | undefined;
  readonly tokens?: number | undefined;
  readonly dropped?: readonly {
    readonly id: string;
    readonly score: number;
    readonly tokens: number;
    readonly budget: string;
  }[];
}

/** What the manager reads from a rendered prompt (`@dk/prompts`' `PromptRenderResult`). */
export interface RenderedPromptLike {
  /** The rendered text, stored as the message content. */
  readonly content: string;
  /** Hash of the resolved prompt definition (template, defaults, validation, RAG configs) that produced the content; recorded on the node so a response traces back to the exact prompt. */
  readonly contentHash?: string;
  /** Version of the prompt that was rendered, recorded on the node. */
  readonly version?: string | undefined;
  /** The RAG searches that ran; recorded on the node as queries, adapters and result ids/scores (not the result text, which is in the content). */
  readonly rag?: readonly RagRunLike[];
}

/**
 * What `ConversationManager` needs from a prompt builder. `@dk/prompts`' `PromptBuilder`
 * satisfies it structurally; any object with these two methods does.
 */
export interface ConversationPromptBuilder {
  /** Renders the named system prompt. */
  renderSystemPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPromptLike>;
  /** Renders the named user prompt. */
  renderUserPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPromptLike>;
}
