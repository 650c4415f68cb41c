import { checkMilliseconds, checkOptions } from '@dk/spec';
import type { KeyValueCache, RagResultCache, SearchResult } from '@dk/spec';
import { RagConfigError } from './rag-config-error.js';

/** Settings of a {@link KeyValueRagResultCache}. */
export interface KeyValueRagResultCacheSettings {
  /** Where results are kept, e.g. `@dk/redis`' `RedisKeyValueCache` shared by every app server. */
  readonly cache: KeyValueCache;
  /** How long stored results live, in milliseconds. Default 600,000 (10 minutes). */
  readonly ttlMs?: number;
  /**
   * Leads every key. Change it (e.g. to the index version) when the indexed documents change,
   * so results of the old index are not used again. Default `rag`.
   */
  readonly namespace?: string;
}

function isSearchResult(value: unknown): value is SearchResult {
  const result = value as SearchResult;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof result.id === 'string' &&
    typeof result.content === 'string' &&
    typeof result.score === 'number' &&
    typeof result.metadata === 'object'
  );
}

/**
 * A {@link RagResultCache} on a `KeyValueCache` (the spec's cache contract): results by query
 * hash, as JSON, with a TTL, shared by every process that uses the same cache. A stored value
 * that is not a result list (another writer's key) counts as a miss.
 */
export class KeyValueRagResultCache implements RagResultCache {
  readonly #cache: KeyValueCache;
  readonly #ttlMs: number;
  readonly #namespace: string;

  constructor(settings: KeyValueRagResultCacheSettings) {
    checkOptions('KeyValueRagResultCache', settings, ['cache', 'ttlMs', 'namespace']);
    const { cache, ttlMs = 600_000, namespace = 'rag' } = settings;
    if (typeof cache?.get !== 'function' || typeof cache.set !== 'function') {
      throw new RagConfigError({ message: 'KeyValueRagResultCache needs `cache`, a KeyValueCache.', field: 'cache' });
    }
    if (typeof namespace !== 'string' || namespace === '') {
      throw new RagConfigError({
        message: 'KeyValueRagResultCache `namespace` must be a non-empty string.',
        field: 'namespace',
      });
    }
    checkMilliseconds('KeyValueRagResultCache', 'ttlMs', ttlMs);
    this.#cache = cache;
    this.#ttlMs = ttlMs;
    this.#namespace = namespace;
  }

  /** See {@link RagResultCache.get}. */
  async get(queryHash: string): Promise<readonly SearchResult[] | undefined> {
    const found = await this.#cache.get({ key: `${this.#namespace}:${queryHash}` });
    if (found.status !== 'hit' || !Array.isArray(found.value) || !found.value.every(isSearchResult)) return undefined;
    return found.value;
  }

  /** See {@link RagResultCache.set}. */
  async set(queryHash: string, results: readonly SearchResult[]): Promise<void> {
    await this.#cache.set({ key: `${this.#namespace}:${queryHash}`, value: results, ttlMs: this.#ttlMs });
  }
}
