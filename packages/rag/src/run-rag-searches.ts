import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchFilters, SearchResult } from '@dk/spec';
import { renderTemplate } from '@dk/templates';
import { formatRagContent } from './format-rag-content.js';
import { makeVariablesOptional } from './make-variables-optional.js';
import { checkTokenBudget, cutToBudget, estimateRagTokens } from './rag-budget.js';
import type { RagDroppedResult, RagPromptBudget, RagTokenCounter } from './rag-budget.js';
import { ragQueryHash } from './rag-cache.js';
import type { RagResultCache } from './rag-cache.js';
import { normalizeRagConfig } from './rag-config.js';
import type { NormalizedRagConfig, RagConfig } from './rag-config.js';

/** What to do when a search fails: reject the render, or leave the placeholder empty and report it. */
export type RagFailurePolicy = 'throw' | 'omit';

/** A search result with the citation number it was given in the formatted content. */
export interface CitedSearchResult extends SearchResult {
  /** The number shown as `index` in the formatted content; unique within one render. */
  readonly citation: number;
}

/** What one RAG config did during a render. */
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
  /** `ok`: searched; `failed`: the search failed under the `omit` policy; `skipped`: the query rendered empty. */
  readonly status: 'ok' | 'failed' | 'skipped';
  /** The results that went into the content, best first, with their citation numbers. */
  readonly results: readonly CitedSearchResult[];
  /**
   * Everything the search returned (or the cache supplied), before token budgets; what a
   * cache stores for this search. The same as `results` (without citations) when no budget
   * dropped anything.
   */
  readonly retrieved: readonly SearchResult[];
  /**
   * Identity of this search ({@link ragQueryHash} of adapter, rendered query, k, filters and
   * threshold), computed once here; `undefined` when the adapter is unknown or the query
   * rendered empty.
   */
  readonly queryHash: string | undefined;
  /** True when the results came from the `cache` instead of a search. */
  readonly cacheHit: boolean;
  /** The config's token budget (`max_tokens`), or `undefined`. */
  readonly maxTokens: number | undefined;
  /**
   * Tokens of the items kept (formatted items and separators; the header is not counted),
   * when a budget applied to the render; `undefined` otherwise.
   */
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

/** One config to run, optionally with the name it was referenced by. */
export interface RagSearchRequest {
  readonly config: RagConfig;
  /** The `rag_config_refs` name, for reporting. */
  readonly configName?: string;
}

/** Options of {@link runRagSearches}. */
export interface RunRagSearchesOptions {
  /** The configs, in prompt order (citation numbers follow this order). */
  readonly requests: readonly RagSearchRequest[];
  /** Adapters by name. */
  readonly adapters: ReadonlyMap<string, SearchAdapter>;
  /** The prompt params the queries and item templates are rendered with. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Default `throw`. */
  readonly failurePolicy?: RagFailurePolicy;
  /** Cancels every search; an abort always rejects, whatever the policy. */
  readonly signal?: AbortSignal;
  /** Millisecond clock for timings. Default `performance.now`. */
  readonly now?: () => number;
  /** Results of earlier searches by query hash; a hit replaces the search. */
  readonly cache?: RagResultCache;
  /**
   * Token budget for all the prompt's RAG content together: items of every config compete
   * in score order and the list is cut at an item boundary. Applied after each config's own
   * `max_tokens`. Default: no budget.
   */
  readonly maxTokens?: number;
  /** Token counter of the budgets. Default {@link estimateRagTokens}. */
  readonly countTokens?: RagTokenCounter;
}

/** The outcome of {@link runRagSearches}. */
export interface RagOutcome {
  /** Formatted content per placeholder (`""` when nothing was found or a search failed). */
  readonly values: Readonly<Record<string, string>>;
  /** One entry per config, in config order. */
  readonly runs: readonly RagRun[];
  /** The prompt-wide budget and what it dropped, when `maxTokens` was given. */
  readonly budget: RagPromptBudget | undefined;
}

interface Searched {
  readonly config: NormalizedRagConfig;
  readonly configName: string | undefined;
  readonly query: string;
  readonly queryHash: string | undefined;
  readonly cacheHit: boolean;
  readonly results: readonly SearchResult[];
  readonly durationMs: number;
  readonly status: RagRun['status'];
  readonly error: RagRun['error'];
}

const optionalQueries = new Map<string, string>();

function renderQuery(query: string, params: Readonly<Record<string, unknown>>): string {
  let optional = optionalQueries.get(query);
  if (optional === undefined) {
    optional = makeVariablesOptional(query);
    if (optionalQueries.size > 1000) optionalQueries.clear();
    optionalQueries.set(query, optional);
  }
  return renderTemplate(optional, params, { validation: { level: 'ignore' } })
    .content.replace(/\s+/g, ' ')
    .trim();
}

/**
 * Runs a prompt's RAG searches concurrently, then formats the results into their
 * placeholders, numbering citations across all configs in config order. Configs that share
 * a placeholder have their content joined with a blank line.
 *
 * A missing param drops out of a query; a query that renders empty is not searched. A
 * search that fails rejects with {@link RagSearchError} under `throw`, or leaves its share
 * of the placeholder empty and is reported in `runs` under `omit`.
 *
 * Each search's identity, {@link ragQueryHash}, is computed once and reported as
 * `queryHash`; with a `cache`, a stored result list for that hash is used instead of
 * searching (`cacheHit: true`), and results of searches that ran are stored.
 *
 * Token budgets (a config's `max_tokens`, then the prompt-wide `maxTokens`) add items best
 * first and cut at an item boundary; each run reports its budget, its `tokens` and what was
 * `dropped`, and the outcome's `budget` the prompt-wide figures.
 */
export async function runRagSearches(options: RunRagSearchesOptions): Promise<RagOutcome> {
  const policy = options.failurePolicy ?? 'throw';
  const now = options.now ?? (() => performance.now());
  const { signal, params, cache } = options;
  const promptBudget = checkTokenBudget(options.maxTokens, 'maxTokens');
  const countTokens = options.countTokens ?? estimateRagTokens;
  signal?.throwIfAborted();
  const searched = await Promise.all(
    options.requests.map(async (request): Promise<Searched> => {
      const config = normalizeRagConfig(request.config);
      const adapter = options.adapters.get(config.adapterName);
      const started = now();
      const base = { config, configName: request.configName, queryHash: undefined, cacheHit: false };
      if (!adapter) {
        const known = [...options.adapters.keys()];
        const error = new RagSearchError({
          message: `RAG adapter "${config.adapterName}" is not registered. Known adapters: ${known.length > 0 ? known.join(', ') : '(none)'}. Pass it to the builder's \`adapters\`.`,
          adapterName: config.adapterName,
          placeholder: config.placeholder,
          code: 'RAG_ADAPTER_NOT_FOUND',
        });
        if (policy === 'throw') throw error;
        return { ...base, query: '', results: [], durationMs: 0, status: 'failed', error: describe(error) };
      }
      const query = renderQuery(config.query, params);
      if (query === '') return { ...base, query, results: [], durationMs: 0, status: 'skipped', error: undefined };
      const queryHash = ragQueryHash({
        adapterName: config.adapterName,
        query,
        k: config.k,
        filters: config.filters,
        scoreThreshold: config.scoreThreshold,
      });
      const hashed = { ...base, queryHash };
      try {
        const cached = cache === undefined ? undefined : await cache.get(queryHash);
        if (cached !== undefined)
          return {
            ...hashed,
            query,
            cacheHit: true,
            results: cached,
            durationMs: now() - started,
            status: 'ok',
            error: undefined,
          };
        const results = await adapter.search(query, {
          k: config.k,
          filters: config.filters,
          scoreThreshold: config.scoreThreshold,
          signal,
        });
        // The contract makes adapters apply k and the threshold; enforce both here too so a
        // lax adapter cannot make a config's score_threshold silently mean nothing.
        const threshold = config.scoreThreshold;
        const kept = (threshold === undefined ? results : results.filter((result) => result.score >= threshold)).slice(
          0,
          config.k,
        );
        await cache?.set?.(queryHash, kept);
        return { ...hashed, query, results: kept, durationMs: now() - started, status: 'ok', error: undefined };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const wrapped = RagSearchError.isInstance(error)
          ? error
          : new RagSearchError({
              message: `RAG search on adapter "${config.adapterName}" for ${config.placeholder} failed: ${error instanceof Error ? error.message : String(error)}. Check the adapter, or render with ragFailurePolicy: 'omit' to continue without this content.`,
              adapterName: config.adapterName,
              placeholder: config.placeholder,
              cause: error,
            });
        if (policy === 'throw') throw wrapped;
        return {
          ...hashed,
          query,
          results: [],
          durationMs: now() - started,
          status: 'failed',
          error: describe(wrapped),
        };
      }
    }),
  );
  const selected = applyBudgets(searched, params, promptBudget, countTokens);
  const values: Record<string, string> = {};
  const runs: RagRun[] = [];
  let nextCitation = 1;
  searched.forEach((entry, index) => {
    const { config } = entry;
    const choice = selected.perEntry[index]!;
    const content = formatRagContent(choice.kept, {
      header: config.header,
      itemTemplate: config.itemTemplate,
      separator: config.separator,
      params,
      firstCitation: nextCitation,
    });
    const results = choice.kept.map((result, position) => ({ ...result, citation: nextCitation + position }));
    nextCitation += choice.kept.length;
    const previous = values[config.placeholder];
    values[config.placeholder] = previous ? (content ? `${previous}\n\n${content}` : previous) : content;
    runs.push({
      placeholder: config.placeholder,
      adapterName: config.adapterName,
      configName: entry.configName,
      query: entry.query,
      k: config.k,
      filters: config.filters,
      scoreThreshold: config.scoreThreshold,
      status: entry.status,
      results,
      retrieved: entry.results,
      queryHash: entry.queryHash,
      cacheHit: entry.cacheHit,
      maxTokens: config.maxTokens,
      tokens: choice.tokens,
      dropped: choice.dropped,
      content,
      durationMs: entry.durationMs,
      error: entry.error,
    });
  });
  return { values, runs, budget: selected.budget };
}

interface Choice {
  readonly kept: SearchResult[];
  readonly tokens: number | undefined;
  readonly dropped: RagDroppedResult[];
}

interface Costed {
  readonly entry: number;
  readonly position: number;
  readonly result: SearchResult;
  readonly score: number;
  readonly tokens: number;
}

/**
 * Applies each config's `max_tokens`, then the prompt-wide budget. An item costs its text
 * formatted alone (with a citation number at least as long as its final one, so the final
 * text never costs more) plus the separator before it when it is not the first.
 */
function applyBudgets(
  searched: readonly Searched[],
  params: Readonly<Record<string, unknown>>,
  promptBudget: number | undefined,
  countTokens: RagTokenCounter,
): { readonly perEntry: readonly Choice[]; readonly budget: RagPromptBudget | undefined } {
  const anyBudget = promptBudget !== undefined || searched.some((entry) => entry.config.maxTokens !== undefined);
  if (!anyBudget) {
    return {
      perEntry: searched.map((entry) => ({ kept: [...entry.results], tokens: undefined, dropped: [] })),
      budget: undefined,
    };
  }
  let provisional = 1;
  const perEntry: { kept: Costed[]; dropped: RagDroppedResult[] }[] = searched.map((entry, entryIndex) => {
    const { config } = entry;
    const separatorTokens = entry.results.length > 1 ? countTokens(config.separator) : 0;
    const costed = entry.results.map((result, position): Costed => {
      const text = formatRagContent([result], {
        itemTemplate: config.itemTemplate,
        params,
        firstCitation: provisional + position,
      });
      return {
        entry: entryIndex,
        position,
        result,
        score: result.score,
        tokens: countTokens(text) + (position > 0 ? separatorTokens : 0),
      };
    });
    provisional += entry.results.length;
    if (config.maxTokens === undefined) return { kept: costed, dropped: [] };
    const cut = cutToBudget(costed, config.maxTokens);
    return { kept: cut.kept, dropped: cut.dropped.map((item) => droppedOf(item, 'config')) };
  });
  let budget: RagPromptBudget | undefined;
  if (promptBudget !== undefined) {
    const all = perEntry
      .flatMap((choice) => choice.kept)
      .sort((left, right) => right.score - left.score || left.entry - right.entry || left.position - right.position);
    const cut = cutToBudget(all, promptBudget);
    const keep = new Set(cut.kept);
    for (const choice of perEntry) {
      for (const item of choice.kept) if (!keep.has(item)) choice.dropped.push(droppedOf(item, 'prompt'));
      choice.kept = choice.kept.filter((item) => keep.has(item));
    }
    budget = {
      maxTokens: promptBudget,
      usedTokens: cut.usedTokens,
      dropped: cut.dropped.map((item) => ({
        ...droppedOf(item, 'prompt'),
        placeholder: searched[item.entry]!.config.placeholder,
        adapterName: searched[item.entry]!.config.adapterName,
      })),
    };
  }
  return {
    perEntry: perEntry.map((choice) => ({
      kept: choice.kept.map((item) => item.result),
      tokens: choice.kept.reduce((sum, item) => sum + item.tokens, 0),
      dropped: choice.dropped,
    })),
    budget,
  };
}

function droppedOf(item: Costed, budget: RagDroppedResult['budget']): RagDroppedResult {
  return { id: item.result.id, score: item.result.score, tokens: item.tokens, budget };
}

function describe(error: unknown): NonNullable<RagRun['error']> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
  }
  return { name: 'Error', code: undefined, message: String(error) };
}
