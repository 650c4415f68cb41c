import { checkOptions, RagSearchError } from '@dk/spec';
import type {
  EmbeddingModel,
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchDocument,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import {
  calibrateScore,
  chunkDocuments,
  indexInBatches,
  matchesFilters,
  throwIfAdapterClosed,
  validateSearchOptions,
} from '@dk/storage-utils';
import { RagConfigError } from './rag-config-error.js';

/** A document added to a {@link VectorSearchAdapter}. */
export interface VectorDocument {
  /** Unique id; adding a document with an existing id replaces it. */
  readonly id: string;
  /** The text that is embedded and returned. */
  readonly content: string;
  /** Metadata returned with results and matched by `filters`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** A vector computed elsewhere with the same model; when given, `content` is not embedded. */
  readonly embedding?: readonly number[];
}

/** Settings of a {@link VectorSearchAdapter}. */
export interface VectorSearchAdapterSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** Embeds documents and queries. Wrap it in a `CachedEmbeddingModel` to reuse vectors. */
  readonly embeddingModel: EmbeddingModel;
  /** Documents embedded per model call when adding. Default 64. */
  readonly batchSize?: number;
  /**
   * Cosine similarity at which the best match of a query counts as a full match (score 1);
   * see the class notes. Depends on the embedding model: about 0.5 for current dense text
   * models (OpenAI `text-embedding-3-*`), higher for models whose unrelated texts already
   * score 0.7 (e.g. `text-embedding-ada-002`: about 0.85). Default
   * {@link defaultVectorFullMatch}.
   */
  readonly fullMatchSimilarity?: number;
}

/** Default `fullMatchSimilarity` of {@link VectorSearchAdapter}. */
export const defaultVectorFullMatch = 0.5;

/** Options of {@link VectorSearchAdapter.add}. */
export interface VectorAddOptions {
  /** Cancels embedding; documents of batches already embedded stay indexed. */
  readonly signal?: AbortSignal;
}

interface StoredVector {
  readonly id: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Unit-length vector, or all zeros for a text without features. */
  readonly vector: Float64Array;
}

function unit(vector: readonly number[]): Float64Array {
  const result = Float64Array.from(vector);
  let norm = 0;
  for (const value of result) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < result.length; index++) result[index]! /= norm;
  return result;
}

/**
 * Vector search over documents held in memory: every document's text is embedded once by
 * the embedding model, a query is embedded at search time, and documents are ranked by
 * cosine similarity (exact, brute force: fine up to some tens of thousands of chunks).
 *
 * Score: dk's one scale (`calibrateScore` of `@dk/storage-utils`, shared with the keyword
 * and hybrid adapters): the cosine similarity relative to the best match's (among those
 * passing `filters`), times `min(1, bestCosine / fullMatchSimilarity)²`. The best match of
 * a query the documents answer scores 1 and weaker matches keep their distance to it; when
 * even the best match is far from `fullMatchSimilarity` (an off-topic query) every score is
 * low, so the guide's `score_threshold: 0.7` keeps good matches only. Documents with a
 * cosine of 0 or less are not returned. Ties keep insertion order.
 */
export class VectorSearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  readonly #model: EmbeddingModel;
  readonly #batchSize: number;
  readonly #fullMatch: number;
  #documents = new Map<string, StoredVector>();
  readonly #chunksByDocument = new Map<string, readonly string[]>();
  #dimensions: number | undefined;
  #closed = false;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {RagConfigError} for a setting of the wrong type or range.
   */
  constructor(settings: VectorSearchAdapterSettings) {
    checkOptions('VectorSearchAdapter', settings, ['name', 'embeddingModel', 'batchSize', 'fullMatchSimilarity']);
    if (typeof settings?.name !== 'string' || settings.name.trim() === '') {
      throw new RagConfigError({
        message: 'VectorSearchAdapter needs a non-empty `name` (the adapter_name RAG configs use).',
        field: 'name',
      });
    }
    if (typeof settings.embeddingModel?.embed !== 'function') {
      throw new RagConfigError({
        message:
          'VectorSearchAdapter needs `embeddingModel`: an EmbeddingModel such as new EchoEmbeddingModel() or new OpenAIEmbeddingModel({ provider }).',
        field: 'embeddingModel',
      });
    }
    const batchSize = settings.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RagConfigError({
        message: `VectorSearchAdapter batchSize must be a positive integer, got ${String(batchSize)}.`,
        field: 'batchSize',
      });
    }
    const fullMatch = settings.fullMatchSimilarity ?? defaultVectorFullMatch;
    if (typeof fullMatch !== 'number' || !(fullMatch > 0 && fullMatch <= 1)) {
      throw new RagConfigError({
        message: `VectorSearchAdapter fullMatchSimilarity must be a number in (0, 1], got ${String(fullMatch)}. Leave it unset for ${defaultVectorFullMatch}.`,
        field: 'fullMatchSimilarity',
      });
    }
    this.#fullMatch = fullMatch;
    this.name = settings.name;
    this.#model = settings.embeddingModel;
    this.#batchSize = batchSize;
    this.#dimensions = settings.embeddingModel.dimensions;
  }

  /** Number of indexed documents. */
  get size(): number {
    return this.#documents.size;
  }

  /** Embeds and indexes documents, in batches; a document whose id is indexed replaces it. */
  async add(documents: VectorDocument | readonly VectorDocument[], options: VectorAddOptions = {}): Promise<void> {
    this.#assertOpen();
    const list: readonly VectorDocument[] = Array.isArray(documents) ? documents : [documents as VectorDocument];
    for (const document of list) {
      if (typeof document.id !== 'string' || document.id === '') {
        throw new RagConfigError({ message: 'Every document needs a non-empty string `id`.', field: 'id' });
      }
      if (typeof document.content !== 'string') {
        throw new RagConfigError({
          message: `Document "${document.id}" needs a string \`content\`.`,
          field: 'content',
        });
      }
    }
    for (let start = 0; start < list.length; start += this.#batchSize) {
      const batch = list.slice(start, start + this.#batchSize);
      const vectors = await this.#vectorsOf(batch, options.signal);
      batch.forEach((document, index) => {
        this.#documents.delete(document.id);
        this.#documents.set(document.id, {
          id: document.id,
          content: document.content,
          metadata: { ...document.metadata },
          vector: vectors[index]!,
        });
      });
    }
  }

  /**
   * Chunks, embeds and indexes documents (see `IndexableSearchAdapter` in `@dk/spec`): chunk
   * ids are `<documentId>#<n>`; a document indexed again has all its old chunks replaced,
   * once its new chunks are embedded (a failed embedding leaves the old chunks in place).
   */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    this.#assertOpen();
    const chunked = chunkDocuments(documents, options, this.name);
    return indexInBatches(chunked, options, 16, async (batch) => {
      const chunks = batch.flatMap((document) => document.chunks);
      const vectors: Float64Array[] = [];
      for (let start = 0; start < chunks.length; start += this.#batchSize) {
        vectors.push(...(await this.#vectorsOf(chunks.slice(start, start + this.#batchSize), options.signal)));
      }
      let next = 0;
      for (const { documentId, chunks: documentChunks } of batch) {
        for (const id of this.#chunksByDocument.get(documentId) ?? []) this.#documents.delete(id);
        for (const chunk of documentChunks) {
          this.#documents.delete(chunk.id);
          this.#documents.set(chunk.id, {
            id: chunk.id,
            content: chunk.content,
            metadata: chunk.metadata,
            vector: vectors[next++]!,
          });
        }
        this.#chunksByDocument.set(
          documentId,
          documentChunks.map((chunk) => chunk.id),
        );
      }
    });
  }

  /** Removes documents indexed through {@link index} (all their chunks); returns how many were indexed. */
  async deleteDocuments(ids: readonly string[]): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const id of ids) {
      const chunkIds = this.#chunksByDocument.get(id);
      if (chunkIds === undefined) continue;
      for (const chunk of chunkIds) this.#documents.delete(chunk);
      this.#chunksByDocument.delete(id);
      deleted++;
    }
    return deleted;
  }

  /** Unit vectors of `documents`, embedding those without a precomputed `embedding` in one call. */
  async #vectorsOf(
    documents: readonly { readonly id: string; readonly content: string; readonly embedding?: readonly number[] }[],
    signal: AbortSignal | undefined,
  ): Promise<Float64Array[]> {
    signal?.throwIfAborted();
    const toEmbed = documents.filter((document) => document.embedding === undefined);
    const vectors =
      toEmbed.length > 0
        ? await this.#model.embed(
            toEmbed.map((document) => document.content),
            signal === undefined ? {} : { signal },
          )
        : [];
    if (!Array.isArray(vectors) || vectors.length !== toEmbed.length) {
      throw new RagConfigError({
        message: `Embedding model "${this.#model.modelId}" returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${toEmbed.length} texts; it must return one per text.`,
        field: 'embeddingModel',
      });
    }
    let next = 0;
    return documents.map((document) => {
      const vector = document.embedding ?? vectors[next++]!;
      this.#checkDimensions(vector, `document "${document.id}"`);
      return unit(vector);
    });
  }

  /** Removes a document; returns whether it was indexed. */
  remove(id: string): boolean {
    return this.#documents.delete(id);
  }

  /** Ranks the documents by cosine similarity to the embedded query; see the class notes. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    this.#assertOpen();
    const { k, scoreThreshold, filters } = validateSearchOptions(options, this.name);
    if (query.trim() === '' || this.#documents.size === 0) return [];
    let embedded: number[][];
    try {
      embedded = await this.#model.embed([query], options.signal === undefined ? {} : { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new RagSearchError({
        message: `Vector search "${this.name}" could not embed the query with "${this.#model.modelId}": ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        cause: error,
      });
    }
    const raw = embedded[0];
    if (raw === undefined) {
      throw new RagSearchError({
        message: `Embedding model "${this.#model.modelId}" returned no vector for the query of "${this.name}".`,
        adapterName: this.name,
      });
    }
    this.#checkDimensions(raw, 'the query', true);
    const queryVector = unit(raw);
    const best: { readonly document: StoredVector; readonly score: number }[] = [];
    for (const document of this.#documents.values()) {
      if (filters && !matchesFilters(document.metadata, filters)) continue;
      const vector = document.vector;
      let dot = 0;
      for (let index = 0; index < vector.length; index++) dot += vector[index]! * queryVector[index]!;
      if (!(dot > 0)) continue;
      const score = Math.min(1, dot);
      if (best.length === k && score <= best[k - 1]!.score) continue;
      let position = best.length === k ? k - 1 : best.length;
      while (position > 0 && score > best[position - 1]!.score) position--;
      best.splice(position, 0, { document, score });
      if (best.length > k) best.pop();
    }
    const top = best[0]?.score ?? 0;
    const results: SearchResult[] = [];
    for (const { document, score: cosine } of best) {
      const score = calibrateScore(cosine, top, this.#fullMatch);
      if (scoreThreshold !== undefined && score < scoreThreshold) break;
      results.push({ id: document.id, content: document.content, score, metadata: { ...document.metadata } });
    }
    return results;
  }

  /** Drops every document; later calls fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#documents = new Map();
    this.#chunksByDocument.clear();
  }

  #checkDimensions(vector: readonly number[], what: string, searching = false): void {
    const valid = Array.isArray(vector) && vector.length > 0 && vector.every((value) => Number.isFinite(value));
    if (valid && (this.#dimensions === undefined || vector.length === this.#dimensions)) {
      this.#dimensions ??= vector.length;
      return;
    }
    const message = valid
      ? `The vector of ${what} has ${vector.length} dimensions, but "${this.name}" holds ${String(this.#dimensions)}-dimensional vectors. Use one embedding model for documents and queries.`
      : `The vector of ${what} is not a non-empty array of finite numbers; check the embedding model "${this.#model.modelId}".`;
    if (searching) throw new RagSearchError({ message, adapterName: this.name, code: 'RAG_EMBEDDING_INVALID' });
    throw new RagConfigError({ message, field: 'embedding' });
  }

  #assertOpen(): void {
    throwIfAdapterClosed(this.#closed, this.name, 'VectorSearchAdapter');
  }
}
