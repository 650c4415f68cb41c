import { checkOptions, RagSearchError } from '@dk/spec';
import type { RagResultCache, RagRun, SearchResult } from '@dk/spec';
import { renderTemplate } from '@dk/templates';
import { applyRagBudgets } from './apply-rag-budgets.js';
import { formatRagContent } from './format-rag-content.js';
import { makeVariablesOptional } from './make-variables-optional.js';
import { normalizeSearchResults } from './normalize-search-results.js';
import type { RagAdapter } from './rag-adapter.js';
import { checkTokenBudget, estimateRagTokens } from './rag-budget.js';
import type { RagPromptBudget, RagTokenCounter } from './rag-budget.js';
import { ragQueryHash } from './rag-cache.js';
import { checkRagTimeout, defaultRagTimeoutMs, normalizeRagConfig } from './rag-config.js';
import type { NormalizedRagConfig, RagConfig } from './rag-config.js';
import { RagConfigError } from './rag-config-error.js';
import { searchWithDeadline } from './search-with-deadline.js';
import { traceRagSearch } from './trace-rag-search.js';

/** What to do when a search fails or times out: reject the render, or render without it and report it. */
export type RagFailurePolicy = 'throw' | 'omit';

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
  /**
   * Adapters by the name configs use (`adapter_name`): a `Map` or a plain record. Anything
   * with `search(query, options)` is an adapter (see {@link RagAdapter}).
   */
  readonly adapters: ReadonlyMap<string, RagAdapter> | Readonly<Record<string, RagAdapter>>;
  /** The prompt params the queries and item templates are rendered with. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Default `throw`. */
  readonly failurePolicy?: RagFailurePolicy;
  /** Cancels every search; an abort always rejects (with the signal's reason), whatever the policy. */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds each search may take when its config has no `timeout_ms`; `Infinity` for
   * none. Default {@link defaultRagTimeoutMs}. A search past its deadline fails with
   * `RagSearchError` (code `RAG_SEARCH_TIMEOUT`) under the failure policy.
   */
  readonly timeoutMs?: number;
  /** Millisecond clock for timings. Default `performance.now`. */
  readonly now?: () => number;
  /**
   * Results of earlier searches by query hash; a hit replaces the search. What is stored
   * (and expected back) is everything the search returned, before the score threshold.
   */
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
  /**
   * Text per placeholder: the formatted results, or the config's `empty_text` when no config
   * of that placeholder contributed a result.
   */
  readonly values: Readonly<Record<string, string>>;
  /** One entry per config, in config order. */
  readonly runs: readonly RagRun[];
  /** The prompt-wide budget and what it dropped, when `maxTokens` was given. */
  readonly budget: RagPromptBudget | undefined;
  /**
   * One line per run that contributed nothing (status `empty`, `filtered`, `failed`,
   * `skipped`) or whose results a token budget left out entirely. Never contains the query.
   */
  readonly warnings: readonly string[];
}

interface Searched {
  readonly config: NormalizedRagConfig;
  readonly configName: string | undefined;
  readonly query: string;
  readonly queryHash: string | undefined;
  readonly cacheHit: boolean;
  /** Everything returned (or cached), before the threshold. */
  readonly retrieved: readonly SearchResult[];
  /** After the threshold and `k`. */
  readonly results: readonly SearchResult[];
  /** Returned results under the threshold, and the best of their scores. */
  readonly belowThreshold: number;
  readonly bestBelow: number | undefined;
  readonly durationMs: number;
  readonly status: RagRun['status'];
  readonly error: RagRun['error'];
}

const optionsKnown = [
  'requests',
  'adapters',
  'params',
  'failurePolicy',
  'signal',
  'timeoutMs',
  'now',
  'cache',
  'maxTokens',
  'countTokens',
];

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
 * A missing param drops out of a query; a query that renders empty is not searched. Each
 * search has a deadline (the config's `timeout_ms`, else `timeoutMs`) and the caller's
 * `signal`; both are honoured even when an adapter ignores the signal it is given. A search
 * that fails or times out rejects with {@link RagSearchError} under `throw`, or contributes
 * nothing and is reported in `runs` and `warnings` under `omit`.
 *
 * The score threshold is applied here, to what the adapter returns for `k`, so a run can say
 * how many results it removed (`belowThreshold`) and tell "nothing found" (`empty`) from
 * "everything below the threshold" (`filtered`). A placeholder none of whose configs
 * contributed a result holds the config's `empty_text` and the outcome has a warning: a
 * prompt never silently presents an empty block as documents.
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
  checkOptions('runRagSearches', options, optionsKnown);
  if (options.failurePolicy !== undefined && options.failurePolicy !== 'throw' && options.failurePolicy !== 'omit') {
    throw new RagConfigError({
      message: `failurePolicy must be 'throw' or 'omit', got ${JSON.stringify(options.failurePolicy)}.`,
      field: 'failurePolicy',
    });
  }
  const policy = options.failurePolicy ?? 'throw';
  const now = options.now ?? (() => performance.now());
  const { signal, params, cache } = options;
  const promptBudget = checkTokenBudget(options.maxTokens, 'maxTokens');
  const defaultTimeout = checkRagTimeout(options.timeoutMs, 'timeoutMs') ?? defaultRagTimeoutMs;
  const countTokens = options.countTokens ?? estimateRagTokens;
  const adapters = toAdapterMap(options.adapters);
  signal?.throwIfAborted();
  const searched = await Promise.all(options.requests.map((request) => traceRagSearch(() => searchOne(request))));
  return assemble(searched, params, promptBudget, countTokens);

  async function searchOne(request: RunRagSearchesOptions['requests'][number]): Promise<Searched> {
    const config = normalizeRagConfig(request.config);
    const adapter = adapters.get(config.adapterName);
    const started = now();
    const nothing = {
      config,
      configName: request.configName,
      queryHash: undefined,
      cacheHit: false,
      retrieved: [],
      results: [],
      belowThreshold: 0,
      bestBelow: undefined,
      durationMs: 0,
      error: undefined,
    };
    if (!adapter) {
      const known = [...adapters.keys()];
      const error = new RagSearchError({
        message: `RAG adapter "${config.adapterName}" is not registered. Known adapters: ${known.length > 0 ? known.join(', ') : '(none)'}. Pass it to the builder's \`adapters\`.`,
        adapterName: config.adapterName,
        placeholder: config.placeholder,
        code: 'RAG_ADAPTER_NOT_FOUND',
      });
      if (policy === 'throw') throw error;
      return { ...nothing, query: '', status: 'failed', error: describe(error) };
    }
    const query = renderQuery(config.query, params);
    if (query === '') return { ...nothing, query, status: 'skipped' };
    const queryHash = ragQueryHash({
      adapterName: config.adapterName,
      query,
      k: config.k,
      filters: config.filters,
      scoreThreshold: config.scoreThreshold,
    });
    const source = { adapterName: config.adapterName, placeholder: config.placeholder };
    try {
      const cached = await cache?.get(queryHash);
      const retrieved =
        cached ??
        normalizeSearchResults(
          await searchWithDeadline(
            adapter,
            query,
            { k: config.k, filters: config.filters },
            { ...source, timeoutMs: config.timeoutMs ?? defaultTimeout, signal },
          ),
          source,
        );
      if (cached === undefined) await cache?.set?.(queryHash, retrieved);
      return {
        ...nothing,
        query,
        queryHash,
        cacheHit: cached !== undefined,
        ...applyThreshold(retrieved, config),
        durationMs: now() - started,
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const wrapped = RagSearchError.isInstance(error)
        ? error
        : new RagSearchError({
            message: `RAG search on adapter "${config.adapterName}" for ${config.placeholder} failed: ${error instanceof Error ? error.message : String(error)}. Check the adapter, or render with ragFailurePolicy: 'omit' to continue without this content.`,
            ...source,
            cause: error,
          });
      if (policy === 'throw') throw wrapped;
      return {
        ...nothing,
        query,
        queryHash,
        durationMs: now() - started,
        status: 'failed',
        error: describe(wrapped),
      };
    }
  }
}

/** Adapters as a map, whatever form they were given in. */
function toAdapterMap(adapters: RunRagSearchesOptions['adapters']): ReadonlyMap<string, RagAdapter> {
  if (adapters instanceof Map) return adapters;
  if (typeof adapters !== 'object' || adapters === null) {
    throw new RagConfigError({
      message: `adapters must be a Map or a record of adapters by name, got ${adapters === null ? 'null' : typeof adapters}.`,
      field: 'adapters',
    });
  }
  return new Map(Object.entries(adapters));
}

/**
 * Keeps what reaches the threshold, at most `k` (the contract makes adapters apply `k`;
 * enforce it here too so a lax adapter cannot flood the prompt).
 */
function applyThreshold(
  retrieved: readonly SearchResult[],
  config: NormalizedRagConfig,
): Pick<Searched, 'results' | 'belowThreshold' | 'bestBelow' | 'status' | 'retrieved'> {
  const threshold = config.scoreThreshold;
  let results = retrieved;
  let belowThreshold = 0;
  let bestBelow: number | undefined;
  if (threshold !== undefined) {
    results = retrieved.filter((result) => result.score >= threshold);
    for (const result of retrieved) {
      if (result.score < threshold) {
        belowThreshold++;
        bestBelow = Math.max(bestBelow ?? result.score, result.score);
      }
    }
  }
  if (results.length > config.k) results = results.slice(0, config.k);
  const status = retrieved.length === 0 ? 'empty' : results.length === 0 ? 'filtered' : 'ok';
  return { retrieved, results, belowThreshold, bestBelow, status };
}

/** Applies the budgets, numbers the citations, formats each placeholder and writes the warnings. */
function assemble(
  searched: readonly Searched[],
  params: Readonly<Record<string, unknown>>,
  promptBudget: number | undefined,
  countTokens: RagTokenCounter,
): RagOutcome {
  const selected = applyRagBudgets(searched, params, promptBudget, countTokens);
  const contents = new Map<string, string[]>();
  const emptyTexts = new Map<string, string>();
  const runs: RagRun[] = [];
  const warnings: string[] = [];
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
    const parts = contents.get(config.placeholder) ?? [];
    if (content !== '') parts.push(content);
    contents.set(config.placeholder, parts);
    if (!emptyTexts.has(config.placeholder)) emptyTexts.set(config.placeholder, config.emptyText);
    const warning = warningFor(entry, choice.kept.length);
    if (warning !== undefined) warnings.push(warning);
    runs.push({
      placeholder: config.placeholder,
      adapterName: config.adapterName,
      configName: entry.configName,
      query: entry.query,
      k: config.k,
      filters: config.filters,
      scoreThreshold: config.scoreThreshold,
      status: entry.status,
      belowThreshold: entry.belowThreshold,
      results,
      retrieved: entry.retrieved,
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
  const values: Record<string, string> = {};
  for (const [placeholder, parts] of contents) {
    values[placeholder] = parts.length > 0 ? parts.join('\n\n') : emptyTexts.get(placeholder)!;
  }
  return { values, runs, budget: selected.budget, warnings };
}

function warningFor(entry: Searched, kept: number): string | undefined {
  const { config } = entry;
  const where = `RAG search for ${config.placeholder} on adapter "${config.adapterName}"`;
  switch (entry.status) {
    case 'failed':
      return `${where} failed (${entry.error?.message ?? 'unknown error'}); rendered without it.`;
    case 'skipped':
      return `RAG query for ${config.placeholder} (adapter "${config.adapterName}") rendered empty because its params have no value, so nothing was searched.`;
    case 'empty':
      return `${where} returned no results.`;
    case 'filtered':
      return `${where}: score_threshold ${config.scoreThreshold} removed all ${entry.belowThreshold} result${entry.belowThreshold === 1 ? '' : 's'} (best score ${round(entry.bestBelow)}). Lower the threshold or check the query.`;
    default:
      return kept === 0 ? `${where}: the token budget left out all ${entry.results.length} results.` : undefined;
  }
}

function round(score: number | undefined): string {
  return score === undefined ? 'n/a' : String(Math.round(score * 1000) / 1000);
}

function describe(error: unknown): NonNullable<RagRun['error']> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
  }
  return { name: 'Error', code: undefined, message: String(error) };
}
