import { checkOptions, RagSearchError } from '@dk/spec';
import type {
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchAdapter,
  SearchDocument,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import { chunkDocuments, indexInBatches, throwIfAdapterClosed, validateSearchOptions } from '@dk/storage-utils';
import { RagConfigError } from './rag-config-error.js';

/** Settings of a {@link HybridSearchAdapter}. */
export interface HybridSearchAdapterSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** A keyword adapter: in-memory BM25, SQLite FTS5, Postgres full text, … */
  readonly keyword: SearchAdapter;
  /** A vector adapter over the same documents (same ids), such as `VectorSearchAdapter`. */
  readonly vector: SearchAdapter;
  /** The reciprocal-rank-fusion constant of the tie-breaker: larger values flatten the advantage of top ranks. Default 60. */
  readonly rrfK?: number;
  /** Results fetched from each adapter before fusing: `max(k, candidates)`. Default 20. */
  readonly candidates?: number;
  /** Weight of the keyword list in the fusion. Default 1. */
  readonly keywordWeight?: number;
  /** Weight of the vector list in the fusion. Default 1. */
  readonly vectorWeight?: number;
  /** Documents per batch (and per progress report) of `index()`: each batch goes to both adapters. Default 100. */
  readonly batchSize?: number;
}

/**
 * Hybrid keyword + vector search by score fusion. Both adapters are searched concurrently for
 * `max(k, candidates)` results with the same filters (and no threshold). Their scores are on
 * dk's one scale (the best match of an answered query scores 1, off-topic queries score low
 * throughout), so they are fused directly: a document's score is the weighted mean of its
 * two scores, `(keywordWeight × keywordScore + vectorWeight × vectorScore) / (keywordWeight +
 * vectorWeight)`, a list that did not return it counting 0. So 1 means "the best match of
 * both adapters", a document only one of two equally weighted lists found scores at most
 * 0.5, and a `score_threshold` keeps what both adapters agree is relevant. (On the labelled
 * retrieval set this ranks better than reciprocal rank fusion: `pnpm bench retrieval`.)
 * Ties are broken by reciprocal rank fusion (`Σ weight / (rrfK + rank)`), then by the
 * keyword list's order. Documents must have the same id in both adapters to be fused. The
 * hybrid adapter does not own its two adapters: its `close()` only ends its own use; close
 * them yourself.
 */
export class HybridSearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  readonly #keyword: SearchAdapter;
  readonly #vector: SearchAdapter;
  readonly #rrfK: number;
  readonly #candidates: number;
  readonly #keywordWeight: number;
  readonly #vectorWeight: number;
  readonly #batchSize: number;
  #closed = false;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {RagConfigError} for a setting of the wrong type or range.
   */
  constructor(settings: HybridSearchAdapterSettings) {
    checkOptions('HybridSearchAdapter', settings, [
      'name',
      'keyword',
      'vector',
      'rrfK',
      'candidates',
      'keywordWeight',
      'vectorWeight',
      'batchSize',
    ]);
    if (typeof settings?.name !== 'string' || settings.name.trim() === '') {
      throw new RagConfigError({
        message: 'HybridSearchAdapter needs a non-empty `name` (the adapter_name RAG configs use).',
        field: 'name',
      });
    }
    for (const field of ['keyword', 'vector'] as const) {
      if (typeof settings[field]?.search !== 'function') {
        throw new RagConfigError({ message: `HybridSearchAdapter needs \`${field}\`: a SearchAdapter.`, field });
      }
    }
    const rrfK = settings.rrfK ?? 60;
    if (!Number.isFinite(rrfK) || rrfK < 0) {
      throw new RagConfigError({
        message: `HybridSearchAdapter rrfK must be a finite number ≥ 0, got ${String(rrfK)}. Leave it unset for 60.`,
        field: 'rrfK',
      });
    }
    const candidates = settings.candidates ?? 20;
    if (!Number.isInteger(candidates) || candidates < 1) {
      throw new RagConfigError({
        message: `HybridSearchAdapter candidates must be a positive integer, got ${String(candidates)}.`,
        field: 'candidates',
      });
    }
    const keywordWeight = settings.keywordWeight ?? 1;
    const vectorWeight = settings.vectorWeight ?? 1;
    for (const [field, weight] of [
      ['keywordWeight', keywordWeight],
      ['vectorWeight', vectorWeight],
    ] as const) {
      if (!Number.isFinite(weight) || weight < 0)
        throw new RagConfigError({
          message: `HybridSearchAdapter ${field} must be a finite number ≥ 0, got ${String(weight)}.`,
          field,
        });
    }
    const batchSize = settings.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RagConfigError({
        message: `HybridSearchAdapter batchSize must be a positive integer, got ${String(batchSize)}.`,
        field: 'batchSize',
      });
    }
    if (keywordWeight + vectorWeight === 0) {
      throw new RagConfigError({
        message: 'HybridSearchAdapter needs at least one positive weight.',
        field: 'keywordWeight',
      });
    }
    this.name = settings.name;
    this.#keyword = settings.keyword;
    this.#vector = settings.vector;
    this.#rrfK = rrfK;
    this.#candidates = candidates;
    this.#keywordWeight = keywordWeight;
    this.#vectorWeight = vectorWeight;
    this.#batchSize = batchSize;
  }

  /** Searches both adapters and fuses their rankings; see the class notes for the score. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    this.#assertOpen();
    const { k, scoreThreshold, filters } = validateSearchOptions(options, this.name);
    const inner: SearchOptions = {
      k: Math.max(k, this.#candidates),
      ...(filters === undefined ? {} : { filters }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const [keyword, vector] = await Promise.all([
      this.#run(this.#keyword, query, inner, options.signal),
      this.#run(this.#vector, query, inner, options.signal),
    ]);
    const totalWeight = this.#keywordWeight + this.#vectorWeight;
    const fused = new Map<
      string,
      { result: SearchResult; value: number; rrf: number; keywordRank: number; vectorRank: number }
    >();
    const add = (list: readonly SearchResult[], weight: number, which: 'keywordRank' | 'vectorRank') => {
      list.forEach((result, index) => {
        const rank = index + 1;
        let entry = fused.get(result.id);
        if (entry === undefined) {
          entry = { result, value: 0, rrf: 0, keywordRank: Infinity, vectorRank: Infinity };
          fused.set(result.id, entry);
        }
        if (entry[which] !== Infinity) return; // a duplicate id within one list counts once
        entry[which] = rank;
        entry.value += weight * Math.min(1, Math.max(0, result.score));
        entry.rrf += weight / (this.#rrfK + rank);
      });
    };
    add(keyword, this.#keywordWeight, 'keywordRank');
    add(vector, this.#vectorWeight, 'vectorRank');
    const ranked = [...fused.values()]
      .map((entry) => ({ ...entry, score: Math.min(1, entry.value / totalWeight) }))
      .filter((entry) => entry.score > 0 && (scoreThreshold === undefined || entry.score >= scoreThreshold))
      .sort(
        (left, right) =>
          right.score - left.score ||
          right.rrf - left.rrf ||
          left.keywordRank - right.keywordRank ||
          left.vectorRank - right.vectorRank,
      );
    return ranked.slice(0, k).map(({ result, score }) => ({
      id: result.id,
      content: result.content,
      score,
      metadata: { ...result.metadata },
    }));
  }

  /**
   * Indexes `documents` in both adapters, batch by batch (`batchSize` documents to the
   * keyword adapter, then to the vector adapter, with the same chunking, so both produce the
   * same chunk ids). Every document is checked before anything is written; progress is
   * reported and `signal` checked once per batch, after both adapters have it. Both adapters
   * must be indexable (`IndexableSearchAdapter`).
   */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    const [keyword, vector] = this.#indexable();
    const chunked = chunkDocuments(documents, options, this.name);
    const inner: IndexOptions = {
      ...(options.chunking === undefined ? {} : { chunking: options.chunking }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    let next = 0;
    return indexInBatches(chunked, options, this.#batchSize, async (batch) => {
      const slice = documents.slice(next, (next += batch.length));
      await keyword.index(slice, inner);
      await vector.index(slice, inner);
    });
  }

  /** Deletes documents from both adapters; returns how many the keyword adapter held. */
  async deleteDocuments(ids: readonly string[]): Promise<number> {
    const [keyword, vector] = this.#indexable();
    const deleted = await keyword.deleteDocuments(ids);
    await vector.deleteDocuments(ids);
    return deleted;
  }

  /** Ends this adapter's use (later calls fail); its two adapters stay open. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    throwIfAdapterClosed(this.#closed, this.name, 'HybridSearchAdapter');
  }

  #indexable(): [IndexableSearchAdapter, IndexableSearchAdapter] {
    this.#assertOpen();
    const isIndexable = (adapter: SearchAdapter): adapter is IndexableSearchAdapter =>
      typeof (adapter as Partial<IndexableSearchAdapter>).index === 'function' &&
      typeof (adapter as Partial<IndexableSearchAdapter>).deleteDocuments === 'function';
    const keyword = this.#keyword;
    const vector = this.#vector;
    if (!isIndexable(keyword) || !isIndexable(vector)) {
      throw new RagSearchError({
        message: `Hybrid search "${this.name}" can only index when both its adapters do (index and deleteDocuments); "${isIndexable(keyword) ? vector.name : keyword.name}" does not. Index each adapter yourself.`,
        adapterName: this.name,
        code: 'RAG_INDEX_INVALID',
      });
    }
    return [keyword, vector];
  }

  async #run(
    adapter: SearchAdapter,
    query: string,
    options: SearchOptions,
    signal: AbortSignal | undefined,
  ): Promise<SearchResult[]> {
    try {
      return await adapter.search(query, options);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new RagSearchError({
        message: `Hybrid search "${this.name}" failed in its adapter "${adapter.name}": ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        cause: error,
      });
    }
  }
}
