import type { SearchAdapter } from './search-adapter.js';

/** A document handed to {@link IndexableSearchAdapter.index}; it is split into chunks. */
export interface SearchDocument {
  /**
   * Stable id of the document in its source (a path, a URL, a row id). Its chunks get the
   * ids `<id>#0`, `<id>#1`, …; indexing the same id again replaces all of them.
   */
  readonly id: string;
  /** The document's text. */
  readonly content: string;
  /**
   * Metadata copied onto every chunk (JSON-safe values), matched by search `filters`. Each
   * chunk also carries `documentId` and `chunkIndex`, which override keys of the same name.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * How documents are split into chunks: paragraphs (separated by blank lines) are packed
 * into chunks of at most `maxChars` characters; a longer paragraph is cut at sentence, then
 * word boundaries; each chunk after the first repeats up to `overlapChars` characters from
 * the end of the previous one (starting at a word boundary), so a passage cut at a chunk
 * boundary is still found whole. The same text and options always give the same chunks.
 */
export interface ChunkingOptions {
  /** Largest chunk, in characters. Default 1000. An integer ≥ 50. */
  readonly maxChars?: number;
  /** Characters repeated from the previous chunk. Default 100. An integer ≥ 0, less than half of `maxChars`. */
  readonly overlapChars?: number;
}

/** Progress of one {@link IndexableSearchAdapter.index} call, reported after each batch. */
export interface IndexProgress {
  /** Documents indexed so far by this call. */
  readonly documentsIndexed: number;
  /** Documents given to this call. */
  readonly documentsTotal: number;
  /** Chunks written so far by this call. */
  readonly chunksIndexed: number;
}

/** Options of {@link IndexableSearchAdapter.index}. */
export interface IndexOptions {
  /** Chunking; `false` keeps each document whole as the single chunk `<id>#0`. Default: the {@link ChunkingOptions} defaults. */
  readonly chunking?: ChunkingOptions | false;
  /** Called after each batch of documents is committed. */
  readonly onProgress?: (progress: IndexProgress) => void;
  /**
   * Cancels indexing between batches: batches already committed stay indexed (each
   * document is either fully re-indexed or untouched), and the call rejects with the
   * signal's reason.
   */
  readonly signal?: AbortSignal;
}

/** What one {@link IndexableSearchAdapter.index} call did. */
export interface IndexResult {
  /** Documents indexed. */
  readonly documents: number;
  /** Chunks written (old chunks of re-indexed documents are replaced, not counted). */
  readonly chunks: number;
}

/**
 * A {@link SearchAdapter} that also ingests documents: it chunks them, stores the chunks
 * under stable ids, replaces a document's chunks when it is indexed again, and deletes
 * documents. Invalid documents or options reject with `RagSearchError`
 * (`RAG_INDEX_INVALID`) before anything is written; storage failures with `RagSearchError`
 * (`RAG_INDEX_FAILED`) or the store's own typed error.
 */
export interface IndexableSearchAdapter extends SearchAdapter {
  /** Chunks and indexes `documents`, replacing earlier chunks of the same document ids. */
  index(documents: readonly SearchDocument[], options?: IndexOptions): Promise<IndexResult>;
  /** Removes documents (all their chunks); returns how many of the ids were indexed. */
  deleteDocuments(ids: readonly string[]): Promise<number>;
}
