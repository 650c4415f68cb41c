import { checkOptions } from '@dk/spec';
import type {
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchDocument,
  SearchFilters,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import {
  Bm25Scorer,
  calibrateScore,
  chunkDocuments,
  compareScoredCandidates,
  compareScores,
  defaultBm25B,
  defaultBm25K1,
  defaultKeywordFalloff,
  defaultKeywordFullMatch,
  defaultStopWords,
  indexInBatches,
  matchesFilters,
  throwIfAdapterClosed,
  tokenize,
  validateSearchOptions,
} from '@dk/storage-utils';
import type { ScoredCandidate } from '@dk/storage-utils';
import { RagConfigError } from './rag-config-error.js';

/** A document added to an {@link InMemorySearchAdapter}. */
export interface InMemoryDocument {
  /** Unique id; adding a document with an existing id replaces it. */
  readonly id: string;
  /** The searchable text. */
  readonly content: string;
  /** Metadata returned with results and matched by `filters`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Settings of an {@link InMemorySearchAdapter}. */
export interface InMemorySearchAdapterSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** Documents to index at construction. */
  readonly documents?: readonly InMemoryDocument[];
  /** BM25 term-frequency saturation. Default 1.2. */
  readonly k1?: number;
  /** BM25 length normalisation, 0–1. Default 0.75. */
  readonly b?: number;
  /** Words ignored in documents and queries. Default: a short English list. */
  readonly stopWords?: ReadonlySet<string>;
}

interface IndexedDocument {
  readonly id: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly length: number;
  /** Distinct terms of the document. */
  readonly terms: readonly string[];
  /** Position in the slot arrays; also the insertion order. */
  readonly slot: number;
}

/** Documents containing one term: parallel arrays of slots and term frequencies. */
interface Posting {
  slots: number[];
  frequencies: number[];
  /** Entries whose document is still indexed (the document frequency). */
  live: number;
}

/**
 * Keyword search over documents held in memory, ranked with BM25 (Okapi, `k1` = 1.2,
 * `b` = 0.75, idf = ln(1 + (N − df + 0.5) / (df + 0.5))), scored by `Bm25Scorer` of
 * `@dk/storage-utils` like the SQLite and PostgreSQL adapters.
 *
 * Ranking is by coverage: for each distinct query term the BM25 term-frequency factor
 * `tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))` capped at 1 (its value for one occurrence
 * in a document of average length), weighted by the term's idf, divided by the sum of the
 * query terms' idf (1 = every query term occurs at least as densely as once in an average
 * document); ties are broken by the raw BM25 score, then by insertion order.
 *
 * Scores are on dk's one scale (`calibrateScore` of `@dk/storage-utils`, shared with the
 * SQLite, PostgreSQL, vector and hybrid adapters): coverage relative to the best match
 * (among those passing `filters`), times `min(1, bestCoverage / 0.35)⁴`. The best match of a
 * question the documents answer scores 1 and weaker matches keep their distance to it; an
 * off-topic question, whose best match covers little of it, gets low scores throughout, so
 * the guide's `score_threshold: 0.7` keeps good matches and drops the rest.
 */
export class InMemorySearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;

  readonly #k1: number;
  readonly #b: number;
  readonly #stopWords: ReadonlySet<string>;
  readonly #documents = new Map<string, IndexedDocument>();
  #slots: (IndexedDocument | undefined)[] = [];
  #postings = new Map<string, Posting>();
  #totalLength = 0;
  #dead = 0;
  // Per-query scratch space, reused so a query allocates little.
  #raw = new Float64Array(0);
  #capped = new Float64Array(0);
  #seen = new Int32Array(0);
  #epoch = 0;
  #closed = false;
  /** Chunk ids of each document indexed through {@link index}. */
  readonly #chunksByDocument = new Map<string, readonly string[]>();

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {RagConfigError} for a setting of the wrong type or range.
   */
  constructor(settings: InMemorySearchAdapterSettings) {
    checkOptions('InMemorySearchAdapter', settings, ['name', 'documents', 'k1', 'b', 'stopWords']);
    if (typeof settings?.name !== 'string' || settings.name.trim() === '') {
      throw new RagConfigError({
        message: 'InMemorySearchAdapter needs a non-empty `name` (the adapter_name RAG configs use).',
        field: 'name',
      });
    }
    const k1 = settings.k1 ?? defaultBm25K1;
    const b = settings.b ?? defaultBm25B;
    if (typeof k1 !== 'number' || !Number.isFinite(k1) || k1 < 0) {
      throw new RagConfigError({
        message: `BM25 k1 must be a finite number ≥ 0, got ${k1}. Leave it unset for 1.2.`,
        field: 'k1',
      });
    }
    if (typeof b !== 'number' || !Number.isFinite(b) || b < 0 || b > 1) {
      throw new RagConfigError({
        message: `BM25 b must be between 0 and 1, got ${b}. Leave it unset for 0.75.`,
        field: 'b',
      });
    }
    this.name = settings.name;
    this.#k1 = k1;
    this.#b = b;
    if (settings.stopWords !== undefined && !(settings.stopWords instanceof Set)) {
      throw new RagConfigError({
        message: 'InMemorySearchAdapter `stopWords` must be a Set of words.',
        field: 'stopWords',
      });
    }
    if (settings.documents !== undefined && !Array.isArray(settings.documents)) {
      throw new RagConfigError({
        message: 'InMemorySearchAdapter `documents` must be an array of `{ id, content, metadata? }`.',
        field: 'documents',
      });
    }
    this.#stopWords = settings.stopWords ?? defaultStopWords;
    if (settings.documents) this.add(settings.documents);
  }

  /** Number of indexed documents. */
  get size(): number {
    return this.#documents.size;
  }

  /** Indexes documents; a document whose id is already indexed replaces the old one. */
  add(documents: InMemoryDocument | readonly InMemoryDocument[]): void {
    const list: readonly InMemoryDocument[] = Array.isArray(documents) ? documents : [documents as InMemoryDocument];
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
      this.remove(document.id);
      const tokens = tokenize(document.content, this.#stopWords);
      const termFrequencies = new Map<string, number>();
      for (const token of tokens) termFrequencies.set(token, (termFrequencies.get(token) ?? 0) + 1);
      const slot = this.#slots.length;
      const indexed: IndexedDocument = {
        id: document.id,
        content: document.content,
        metadata: { ...document.metadata },
        length: tokens.length,
        terms: [...termFrequencies.keys()],
        slot,
      };
      this.#documents.set(document.id, indexed);
      this.#slots.push(indexed);
      this.#totalLength += tokens.length;
      for (const [term, frequency] of termFrequencies) {
        let posting = this.#postings.get(term);
        if (!posting) {
          posting = { slots: [], frequencies: [], live: 0 };
          this.#postings.set(term, posting);
        }
        posting.slots.push(slot);
        posting.frequencies.push(frequency);
        posting.live++;
      }
    }
  }

  /** Removes a document; returns whether it was indexed. */
  remove(id: string): boolean {
    const indexed = this.#documents.get(id);
    if (!indexed) return false;
    this.#documents.delete(id);
    this.#slots[indexed.slot] = undefined;
    this.#totalLength -= indexed.length;
    this.#dead++;
    for (const term of indexed.terms) {
      const posting = this.#postings.get(term);
      if (posting && --posting.live === 0) this.#postings.delete(term);
    }
    // Removed documents leave dead entries in the postings; rebuild once they dominate.
    if (this.#dead > 1000 && this.#dead > this.#documents.size) this.#compact();
    return true;
  }

  /** Ranks the indexed documents against `query`; see the class notes for the score. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    throwIfAdapterClosed(this.#closed, this.name, 'InMemorySearchAdapter');
    const { k, scoreThreshold, filters } = validateSearchOptions(options, this.name);
    return this.#rank(query, k, scoreThreshold, filters);
  }

  /**
   * Chunks and indexes documents (see `IndexableSearchAdapter` in `@dk/spec`): chunk ids are
   * `<documentId>#<n>`, and a document indexed again has all its old chunks replaced.
   */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    this.#throwIfClosed();
    const chunked = chunkDocuments(documents, options, this.name);
    return indexInBatches(chunked, options, 100, (batch) => {
      for (const { documentId, chunks } of batch) {
        for (const id of this.#chunksByDocument.get(documentId) ?? []) this.remove(id);
        this.add(chunks.map(({ id, content, metadata }) => ({ id, content, metadata })));
        this.#chunksByDocument.set(
          documentId,
          chunks.map((chunk) => chunk.id),
        );
      }
    });
  }

  /** Removes documents indexed through {@link index} (all their chunks); returns how many were indexed. */
  async deleteDocuments(ids: readonly string[]): Promise<number> {
    this.#throwIfClosed();
    let deleted = 0;
    for (const id of ids) {
      const chunkIds = this.#chunksByDocument.get(id);
      if (chunkIds === undefined) continue;
      for (const chunk of chunkIds) this.remove(chunk);
      this.#chunksByDocument.delete(id);
      deleted++;
    }
    return deleted;
  }

  #throwIfClosed(): void {
    throwIfAdapterClosed(this.#closed, this.name, 'InMemorySearchAdapter');
  }

  /** Drops every document; later searches fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#documents.clear();
    this.#chunksByDocument.clear();
    this.#slots = [];
    this.#postings = new Map();
    this.#totalLength = 0;
    this.#dead = 0;
  }

  #compact(): void {
    const live = [...this.#documents.values()].sort((left, right) => left.slot - right.slot);
    this.#documents.clear();
    this.#slots = [];
    this.#postings = new Map();
    this.#totalLength = 0;
    this.#dead = 0;
    this.add(live.map(({ id, content, metadata }) => ({ id, content, metadata })));
  }

  #rank(
    query: string,
    k: number,
    scoreThreshold: number | undefined,
    filters: SearchFilters | undefined,
  ): SearchResult[] {
    const count = this.#documents.size;
    const terms = [...new Set(tokenize(query, this.#stopWords))];
    if (terms.length === 0 || count === 0) return [];
    const slotCount = this.#slots.length;
    if (this.#raw.length < slotCount) {
      const size = Math.max(slotCount, this.#raw.length * 2);
      this.#raw = new Float64Array(size);
      this.#capped = new Float64Array(size);
      this.#seen = new Int32Array(size);
      this.#epoch = 0;
    }
    const raw = this.#raw;
    const capped = this.#capped;
    const seen = this.#seen;
    const epoch = ++this.#epoch;
    const touched: number[] = [];
    const slots = this.#slots;
    const postings = terms.map((term) => this.#postings.get(term));
    const scorer = new Bm25Scorer({
      documentCount: count,
      averageLength: this.#totalLength / count,
      documentFrequencies: postings.map((posting) => posting?.live ?? 0),
      k1: this.#k1,
      b: this.#b,
    });
    for (let term = 0; term < postings.length; term++) {
      const posting = postings[term];
      if (!posting) continue;
      const postingSlots = posting.slots;
      const frequencies = posting.frequencies;
      for (let index = 0; index < postingSlots.length; index++) {
        const slot = postingSlots[index]!;
        const document = slots[slot];
        if (document === undefined) continue;
        if (seen[slot] !== epoch) {
          seen[slot] = epoch;
          raw[slot] = 0;
          capped[slot] = 0;
          touched.push(slot);
        }
        scorer.accumulate(raw, capped, slot, term, frequencies[index]!, document.length);
      }
    }
    if (this.#epoch > 0x3fff_ffff) {
      seen.fill(0);
      this.#epoch = 0;
    }
    // Keep the best k in a small sorted array: k is small, candidates can be many.
    const best: ScoredCandidate<number>[] = [];
    for (const slot of touched) {
      const score = scorer.score(capped[slot]!);
      const rawScore = raw[slot]!;
      // Most candidates do not make the top k: test them without allocating.
      if (best.length === k && compareScores(score, rawScore, slot, best[k - 1]!) >= 0) continue;
      if (filters && !matchesFilters(slots[slot]!.metadata, filters)) continue;
      const candidate: ScoredCandidate<number> = { key: slot, score, raw: rawScore, order: slot };
      let position = best.length === k ? k - 1 : best.length;
      while (position > 0 && compareScoredCandidates(candidate, best[position - 1]!) < 0) position--;
      best.splice(position, 0, candidate);
      if (best.length > k) best.pop();
    }
    const top = best[0]?.score ?? 0;
    const results: SearchResult[] = [];
    for (const { key, score: coverage } of best) {
      const score = calibrateScore(coverage, top, defaultKeywordFullMatch, defaultKeywordFalloff);
      if (scoreThreshold !== undefined && score < scoreThreshold) break;
      const document = slots[key]!;
      results.push({ id: document.id, content: document.content, score, metadata: { ...document.metadata } });
    }
    return results;
  }
}
