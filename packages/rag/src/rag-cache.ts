import { checkOptions } from '@dk/spec';
import type { RagResultCache, SearchFilters, SearchResult } from '@dk/spec';
import { createHash } from 'node:crypto';
import { RagConfigError } from './rag-config-error.js';

/** Everything that decides what a RAG search returns: the key of {@link ragQueryHash}. */
export interface RagQueryKey {
  /** The adapter searched. */
  readonly adapterName: string;
  /** The rendered query (params substituted, whitespace collapsed). */
  readonly query: string;
  readonly k: number;
  readonly filters: SearchFilters | undefined;
  readonly scoreThreshold: number | undefined;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonical((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/**
 * The hash that identifies one RAG search: SHA-256 (hex) of the adapter name, rendered
 * query, `k`, filters (keys sorted, so `{a, b}` and `{b, a}` agree) and score threshold.
 * `runRagSearches` computes it once per search and reports it as `RagRun.queryHash`; caches
 * (and a conversation's cross-branch reuse) key results by it, so they never need to
 * recompute it, and cannot disagree with the builder about what "the same search" is.
 */
export function ragQueryHash(key: RagQueryKey): string {
  const payload = JSON.stringify([
    'rag-query-v1',
    key.adapterName,
    key.query,
    key.k,
    canonical(key.filters ?? null),
    key.scoreThreshold ?? null,
  ]);
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

/** Settings of a {@link MemoryRagResultCache}. */
export interface MemoryRagResultCacheSettings {
  /** Most searches kept; the least recently used go first. Default 1,000. */
  readonly maxEntries?: number;
}

/**
 * A `RagResultCache` (the `@dk/spec` contract `runRagSearches` and the `PromptBuilder` read
 * and fill by {@link ragQueryHash}) in process memory with least recently used eviction. Stored
 * results are copied on the way in and out. It never expires entries by time: create a new
 * cache (or call `clear`) when the indexed documents change.
 */
export class MemoryRagResultCache implements RagResultCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, readonly SearchResult[]>();

  constructor(settings: MemoryRagResultCacheSettings = {}) {
    checkOptions('MemoryRagResultCache', settings, ['maxEntries']);
    const maxEntries = settings.maxEntries ?? 1000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RagConfigError({
        message: `MemoryRagResultCache maxEntries must be a positive integer, got ${String(maxEntries)}.`,
        field: 'maxEntries',
      });
    }
    this.#maxEntries = maxEntries;
  }

  /** Number of stored searches. */
  get size(): number {
    return this.#entries.size;
  }

  /** The results stored for `queryHash` (copies), or `undefined`; marks the entry recently used. */
  get(queryHash: string): readonly SearchResult[] | undefined {
    const results = this.#entries.get(queryHash);
    if (results === undefined) return undefined;
    this.#entries.delete(queryHash);
    this.#entries.set(queryHash, results);
    return results.map(copyResult);
  }

  /** Stores (a copy of) the results of a search, evicting the least recently used entry when full. */
  set(queryHash: string, results: readonly SearchResult[]): void {
    this.#entries.delete(queryHash);
    this.#entries.set(queryHash, results.map(copyResult));
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}

function copyResult(result: SearchResult): SearchResult {
  return { id: result.id, content: result.content, score: result.score, metadata: { ...result.metadata } };
}
