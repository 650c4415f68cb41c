import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchFilters, SearchOptions, SearchResult } from '@dk/spec';
import { matchesFilters } from './matches-filters.js';
import { RagConfigError } from './rag-config-error.js';
import { defaultStopWords, tokenize } from './tokenize.js';
import { validateSearchOptions } from './validate-search-options.js';

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
  readonly termFrequencies: ReadonlyMap<string, number>;
}

/**
 * Keyword search over documents held in memory, ranked with BM25 (Okapi, `k1` = 1.2,
 * `b` = 0.75, idf = ln(1 + (N − df + 0.5) / (df + 0.5))).
 *
 * Scores are normalised to 0–1 independently of the other results, so a `score_threshold`
 * keeps its meaning as the corpus grows: for each distinct query term the BM25
 * term-frequency factor `tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))` is capped at 1 (the
 * value for one occurrence in a document of average length), weighted by the term's idf,
 * and divided by the sum of the query terms' idf. So 1 means "every query term occurs at
 * least as densely as once in an average document", 0.5 "about half of the query's
 * information matched", 0 "no term matched". Results are ordered by that score, ties broken
 * by the raw BM25 score and then by insertion order.
 */
export class InMemorySearchAdapter implements SearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;

  readonly #k1: number;
  readonly #b: number;
  readonly #stopWords: ReadonlySet<string>;
  readonly #documents = new Map<string, IndexedDocument>();
  readonly #order = new Map<string, number>();
  readonly #postings = new Map<string, Map<IndexedDocument, number>>();
  #totalLength = 0;
  #insertions = 0;
  #closed = false;

  constructor(settings: InMemorySearchAdapterSettings) {
    if (typeof settings.name !== 'string' || settings.name.trim() === '') {
      throw new RagConfigError({ message: 'InMemorySearchAdapter needs a non-empty `name` (the adapter_name RAG configs use).', field: 'name' });
    }
    const k1 = settings.k1 ?? 1.2;
    const b = settings.b ?? 0.75;
    if (!Number.isFinite(k1) || k1 < 0) {
      throw new RagConfigError({ message: `BM25 k1 must be a finite number ≥ 0, got ${k1}. Leave it unset for 1.2.`, field: 'k1' });
    }
    if (!Number.isFinite(b) || b < 0 || b > 1) {
      throw new RagConfigError({ message: `BM25 b must be between 0 and 1, got ${b}. Leave it unset for 0.75.`, field: 'b' });
    }
    this.name = settings.name;
    this.#k1 = k1;
    this.#b = b;
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
        throw new RagConfigError({ message: `Document "${document.id}" needs a string \`content\`.`, field: 'content' });
      }
      this.remove(document.id);
      const tokens = tokenize(document.content, this.#stopWords);
      const termFrequencies = new Map<string, number>();
      for (const token of tokens) termFrequencies.set(token, (termFrequencies.get(token) ?? 0) + 1);
      const indexed: IndexedDocument = {
        id: document.id,
        content: document.content,
        metadata: { ...document.metadata },
        length: tokens.length,
        termFrequencies,
      };
      this.#documents.set(document.id, indexed);
      this.#order.set(document.id, this.#insertions++);
      this.#totalLength += tokens.length;
      for (const [term, frequency] of termFrequencies) {
        let posting = this.#postings.get(term);
        if (!posting) {
          posting = new Map();
          this.#postings.set(term, posting);
        }
        posting.set(indexed, frequency);
      }
    }
  }

  /** Removes a document; returns whether it was indexed. */
  remove(id: string): boolean {
    const indexed = this.#documents.get(id);
    if (!indexed) return false;
    this.#documents.delete(id);
    this.#order.delete(id);
    this.#totalLength -= indexed.length;
    for (const term of indexed.termFrequencies.keys()) {
      const posting = this.#postings.get(term);
      posting?.delete(indexed);
      if (posting?.size === 0) this.#postings.delete(term);
    }
    return true;
  }

  /** Ranks the indexed documents against `query`; see the class notes for the score. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    if (this.#closed) {
      throw new RagSearchError({
        message: `Search adapter "${this.name}" is closed. Create a new InMemorySearchAdapter.`,
        adapterName: this.name,
        code: 'RAG_ADAPTER_CLOSED',
      });
    }
    const { k, scoreThreshold, filters } = validateSearchOptions(options, this.name);
    return this.#rank(query, k, scoreThreshold, filters);
  }

  /** Drops every document; later searches fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#documents.clear();
    this.#postings.clear();
    this.#order.clear();
    this.#totalLength = 0;
  }

  #rank(query: string, k: number, scoreThreshold: number | undefined, filters: SearchFilters | undefined): SearchResult[] {
    const count = this.#documents.size;
    const terms = [...new Set(tokenize(query, this.#stopWords))];
    if (terms.length === 0 || count === 0) return [];
    const averageLength = this.#totalLength / count || 1;
    const k1 = this.#k1;
    const b = this.#b;
    let idfTotal = 0;
    const raw = new Map<IndexedDocument, number>();
    const capped = new Map<IndexedDocument, number>();
    for (const term of terms) {
      const posting = this.#postings.get(term);
      const documentFrequency = posting?.size ?? 0;
      const idf = Math.log(1 + (count - documentFrequency + 0.5) / (documentFrequency + 0.5));
      idfTotal += idf;
      if (!posting) continue;
      for (const [document, frequency] of posting) {
        const factor = (frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * document.length) / averageLength));
        raw.set(document, (raw.get(document) ?? 0) + idf * factor);
        capped.set(document, (capped.get(document) ?? 0) + idf * Math.min(1, factor));
      }
    }
    const candidates: { document: IndexedDocument; score: number; raw: number; order: number }[] = [];
    for (const [document, cappedScore] of capped) {
      const score = idfTotal > 0 ? Math.min(1, cappedScore / idfTotal) : 0;
      if (scoreThreshold !== undefined && score < scoreThreshold) continue;
      if (filters && !matchesFilters(document.metadata, filters)) continue;
      candidates.push({ document, score, raw: raw.get(document) ?? 0, order: this.#order.get(document.id) ?? 0 });
    }
    candidates.sort((left, right) => right.score - left.score || right.raw - left.raw || left.order - right.order);
    return candidates.slice(0, k).map(({ document, score }) => ({
      id: document.id,
      content: document.content,
      score,
      metadata: { ...document.metadata },
    }));
  }
}
