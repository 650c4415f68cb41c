import { checkOptions } from '@dk/spec';
import type { EmbeddingCache, EmbeddingModel, EmbeddingOptions } from '@dk/spec';
import { createHash } from 'node:crypto';
import { RagConfigError } from './rag-config-error.js';

/** The key an {@link EmbeddingCache} stores a text's vector under: SHA-256 of the UTF-8 text, hex. */
export function hashEmbeddingText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Settings of a {@link MemoryEmbeddingCache}. */
export interface MemoryEmbeddingCacheSettings {
  /** Most vectors kept; the least recently used go first. Default 10,000. */
  readonly maxEntries?: number;
}

/**
 * An {@link EmbeddingCache} in process memory, bounded by `maxEntries` with least recently
 * used eviction. Keys are model id + text hash, so two models never share vectors.
 */
export class MemoryEmbeddingCache implements EmbeddingCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, readonly number[]>();

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {RagConfigError} for a `maxEntries` that is not a positive integer.
   */
  constructor(settings: MemoryEmbeddingCacheSettings = {}) {
    checkOptions('MemoryEmbeddingCache', settings, ['maxEntries']);
    const maxEntries = settings.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RagConfigError({
        message: `MemoryEmbeddingCache maxEntries must be a positive integer, got ${String(maxEntries)}.`,
        field: 'maxEntries',
      });
    }
    this.#maxEntries = maxEntries;
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.#entries.size;
  }

  /** See {@link EmbeddingCache.getMany}. A hit becomes the most recently used entry. */
  getMany(modelId: string, textHashes: readonly string[]): Promise<(readonly number[] | undefined)[]> {
    return Promise.resolve(
      textHashes.map((textHash) => {
        const key = `${modelId}\u0000${textHash}`;
        const vector = this.#entries.get(key);
        if (vector !== undefined) {
          this.#entries.delete(key);
          this.#entries.set(key, vector);
        }
        return vector;
      }),
    );
  }

  /** See {@link EmbeddingCache.setMany}. Vectors are copied and frozen. */
  setMany(
    modelId: string,
    entries: readonly { readonly textHash: string; readonly vector: readonly number[] }[],
  ): Promise<void> {
    for (const { textHash, vector } of entries) {
      const key = `${modelId}\u0000${textHash}`;
      this.#entries.delete(key);
      this.#entries.set(key, Object.freeze([...vector]));
      if (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (oldest.done !== true) this.#entries.delete(oldest.value);
      }
    }
    return Promise.resolve();
  }

  /** Drops every entry. */
  close(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }
}

/** Settings of a {@link CachedEmbeddingModel}. */
export interface CachedEmbeddingModelSettings {
  /** The model that computes vectors the cache lacks. */
  readonly model: EmbeddingModel;
  /** Where vectors are kept, under the model's `modelId`. */
  readonly cache: EmbeddingCache;
}

/**
 * An {@link EmbeddingModel} that asks its cache first and embeds only the texts it lacks (each
 * distinct text once per call), then stores those. Same `modelId` and `dimensions` as the
 * wrapped model, so vectors are interchangeable with it.
 */
export class CachedEmbeddingModel implements EmbeddingModel {
  readonly specificationVersion = 'v1' as const;
  readonly modelId: string;
  readonly dimensions: number | undefined;
  readonly #model: EmbeddingModel;
  readonly #cache: EmbeddingCache;
  #hits = 0;
  #misses = 0;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {RagConfigError} when `model` or `cache` is missing or not what it should be.
   */
  constructor(settings: CachedEmbeddingModelSettings) {
    checkOptions('CachedEmbeddingModel', settings, ['model', 'cache']);
    if (
      typeof settings?.model?.embed !== 'function' ||
      typeof settings.model.modelId !== 'string' ||
      settings.model.modelId === ''
    ) {
      throw new RagConfigError({
        message: 'CachedEmbeddingModel needs `model`: an EmbeddingModel with a non-empty modelId.',
        field: 'model',
      });
    }
    if (typeof settings.cache?.getMany !== 'function' || typeof settings.cache.setMany !== 'function') {
      throw new RagConfigError({
        message: 'CachedEmbeddingModel needs `cache`: an EmbeddingCache such as new MemoryEmbeddingCache().',
        field: 'cache',
      });
    }
    this.#model = settings.model;
    this.#cache = settings.cache;
    this.modelId = settings.model.modelId;
    this.dimensions = settings.model.dimensions;
  }

  /** Texts answered from the cache and texts embedded by the model, since construction. */
  get stats(): { readonly hits: number; readonly misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** Embeds `texts`, using cached vectors where present. */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    options.signal?.throwIfAborted();
    if (texts.length === 0) return [];
    const hashes = texts.map(hashEmbeddingText);
    const cached = await this.#cache.getMany(this.modelId, hashes);
    const missing = new Map<string, string>();
    hashes.forEach((hash, index) => {
      if (cached[index] === undefined && !missing.has(hash)) missing.set(hash, texts[index]!);
    });
    this.#hits += texts.length - cached.filter((vector) => vector === undefined).length;
    const computed = new Map<string, readonly number[]>();
    if (missing.size > 0) {
      const vectors = await this.#model.embed([...missing.values()], options);
      const missingHashes = [...missing.keys()];
      if (vectors.length !== missingHashes.length) {
        throw new RagConfigError({
          message: `Embedding model "${this.modelId}" returned ${vectors.length} vectors for ${missingHashes.length} texts; it must return one per text.`,
          field: 'model',
        });
      }
      missingHashes.forEach((hash, index) => computed.set(hash, vectors[index]!));
      this.#misses += missing.size;
      await this.#cache.setMany(
        this.modelId,
        missingHashes.map((textHash, index) => ({ textHash, vector: vectors[index]! })),
      );
    }
    return hashes.map((hash, index) => [...(cached[index] ?? computed.get(hash)!)]);
  }
}
