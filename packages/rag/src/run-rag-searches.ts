import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchFilters, SearchResult } from '@dk/spec';
import { renderTemplate } from '@dk/templates';
import { formatRagContent } from './format-rag-content.js';
import { makeVariablesOptional } from './make-variables-optional.js';
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
  /** The results, best first, with their citation numbers. */
  readonly results: readonly CitedSearchResult[];
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
}

/** The outcome of {@link runRagSearches}. */
export interface RagOutcome {
  /** Formatted content per placeholder (`""` when nothing was found or a search failed). */
  readonly values: Readonly<Record<string, string>>;
  /** One entry per config, in config order. */
  readonly runs: readonly RagRun[];
}

interface Searched {
  readonly config: NormalizedRagConfig;
  readonly configName: string | undefined;
  readonly query: string;
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
  return renderTemplate(optional, params, { validation: { level: 'ignore' } }).content.replace(/\s+/g, ' ').trim();
}

/**
 * Runs a prompt's RAG searches concurrently, then formats the results into their
 * placeholders, numbering citations across all configs in config order. Configs that share
 * a placeholder have their content joined with a blank line.
 *
 * A missing param drops out of a query; a query that renders empty is not searched. A
 * search that fails rejects with {@link RagSearchError} under `throw`, or leaves its share
 * of the placeholder empty and is reported in `runs` under `omit`.
 */
export async function runRagSearches(options: RunRagSearchesOptions): Promise<RagOutcome> {
  const policy = options.failurePolicy ?? 'throw';
  const now = options.now ?? (() => performance.now());
  const { signal, params } = options;
  signal?.throwIfAborted();
  const searched = await Promise.all(
    options.requests.map(async (request): Promise<Searched> => {
      const config = normalizeRagConfig(request.config);
      const adapter = options.adapters.get(config.adapterName);
      const started = now();
      const base = { config, configName: request.configName };
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
      try {
        const results = await adapter.search(query, {
          k: config.k,
          filters: config.filters,
          scoreThreshold: config.scoreThreshold,
          signal,
        });
        // The contract makes adapters apply k and the threshold; enforce both here too so a
        // lax adapter cannot make a config's score_threshold silently mean nothing.
        const threshold = config.scoreThreshold;
        const kept = threshold === undefined ? results : results.filter((result) => result.score >= threshold);
        return { ...base, query, results: kept.slice(0, config.k), durationMs: now() - started, status: 'ok', error: undefined };
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
        return { ...base, query, results: [], durationMs: now() - started, status: 'failed', error: describe(wrapped) };
      }
    }),
  );
  const values: Record<string, string> = {};
  const runs: RagRun[] = [];
  let nextCitation = 1;
  for (const entry of searched) {
    const { config } = entry;
    const content = formatRagContent(entry.results, {
      header: config.header,
      itemTemplate: config.itemTemplate,
      separator: config.separator,
      params,
      firstCitation: nextCitation,
    });
    const results = entry.results.map((result, position) => ({ ...result, citation: nextCitation + position }));
    nextCitation += entry.results.length;
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
      content,
      durationMs: entry.durationMs,
      error: entry.error,
    });
  }
  return { values, runs };
}

function describe(error: unknown): NonNullable<RagRun['error']> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
  }
  return { name: 'Error', code: undefined, message: String(error) };
}
