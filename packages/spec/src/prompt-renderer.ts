import type { SearchFilters, SearchResult } from './search-adapter.js';

/** Validation level of a render: `error` throws on missing required params, `warn` reports, `ignore` only lists. */
export type PromptValidationLevel = 'error' | 'warn' | 'ignore';

/**
 * Results of earlier searches by query hash: a renderer uses a hit instead of searching.
 * Either method may answer with a promise (a cache shared through Redis, for instance); a
 * renderer awaits both.
 */
export interface RagResultCache {
  /** Stored results for a query hash, or `undefined`. */
  get(queryHash: string): readonly SearchResult[] | undefined | Promise<readonly SearchResult[] | undefined>;
  /** Stores the results of a search (optional: read-only caches omit it). */
  set?(queryHash: string, results: readonly SearchResult[]): void | Promise<void>;
}

/** Options of one render of a named prompt. */
export interface PromptRenderOptions {
  /** Template parameters. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Whether to run the prompt's RAG searches. Default `true`. */
  readonly includeRag?: boolean;
  /** Validation level for this render (wins over the renderer's default and the prompt's own). */
  readonly validationLevel?: PromptValidationLevel;
  /** Cancels RAG searches. */
  readonly signal?: AbortSignal;
  /** Earlier results by query hash (see {@link RagResultCache}). */
  readonly ragCache?: RagResultCache;
}

/** One retrieved result as it went into a prompt, with its citation number. */
export interface CitedSearchResult extends SearchResult {
  /** The number the formatted item carries (`[1]`, `[2]`, …), 1-based over the whole render. */
  readonly citation: number;
}

/** A result a token budget left out of a render. */
export interface RagDroppedResult {
  readonly id: string;
  readonly score: number;
  /** Tokens the formatted item would have taken. */
  readonly tokens: number;
  /** Which budget dropped it: the config's (`config`) or the prompt's (`prompt`). */
  readonly budget: 'config' | 'prompt';
}

/** One RAG search of a render: what ran, what came back, what went in. */
export interface RagRun {
  /** Template variable the results went into. */
  readonly placeholder: string;
  /** Adapter that was searched. */
  readonly adapterName: string;
  /** Name of the RAG config file, when the config came from `rag_config_refs`. */
  readonly configName: string | undefined;
  /** The rendered query. */
  readonly query: string;
  readonly k: number;
  readonly filters: SearchFilters | undefined;
  readonly scoreThreshold: number | undefined;
  /**
   * `ok`: results went into the content; `empty`: the search ran and returned nothing;
   * `filtered`: it returned results but `scoreThreshold` removed all of them (see
   * `belowThreshold`); `failed`: the search failed or timed out under the `omit` policy;
   * `skipped`: the query rendered empty, so nothing was searched. Every status but `ok`
   * comes with a warning in the render result.
   */
  readonly status: 'ok' | 'empty' | 'filtered' | 'failed' | 'skipped';
  /** How many of the results the search returned scored below `scoreThreshold` and were removed. */
  readonly belowThreshold?: number;
  /** The results that went into the content, best first, with their citation numbers. */
  readonly results: readonly CitedSearchResult[];
  /** Everything the search returned (or the cache supplied), before the score threshold and token budgets. */
  readonly retrieved: readonly SearchResult[];
  /** Identity of this search (adapter, rendered query, k, filters, threshold); `undefined` when it did not run. */
  readonly queryHash: string | undefined;
  /** True when the results came from the cache instead of a search. */
  readonly cacheHit: boolean;
  /** The config's token budget (`max_tokens`), or `undefined`. */
  readonly maxTokens: number | undefined;
  /** Tokens of the items kept, when a budget applied; `undefined` otherwise. */
  readonly tokens: number | undefined;
  /** Results a token budget left out, best first. */
  readonly dropped: readonly RagDroppedResult[];
  /** The formatted text this config contributed to its placeholder. */
  readonly content: string;
  /** Wall time of the search in milliseconds. */
  readonly durationMs: number;
  /** The failure, when `status` is `failed`. */
  readonly error: { readonly name: string; readonly code: string | undefined; readonly message: string } | undefined;
}

/** What a render produced; renderers may report more. */
export interface RenderedPrompt {
  /** The rendered text. */
  readonly content: string;
  /** Hash of the resolved prompt (template, defaults, validation, RAG configs) that produced the content. */
  readonly contentHash?: string;
  /** Version of the prompt, for versioned libraries. */
  readonly version?: string | undefined;
  /** The RAG searches that ran. */
  readonly rag?: readonly RagRun[];
  /** Validation warnings and RAG problems of this render. */
  readonly warnings?: readonly string[];
  /** Variables left verbatim (`{{name}}`) in `content` because nothing gave them a value. */
  readonly unresolved?: readonly string[];
}

/**
 * Renders named prompts: what `ConversationManager` needs from a prompt library.
 * `@dk/prompts`' `PromptBuilder` implements it.
 */
export interface PromptRenderer {
  /** Renders the named system prompt. */
  renderSystemPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt>;
  /** Renders the named user prompt. */
  renderUserPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt>;
}
