import { chunkDocuments, indexInBatches, tokenize, validateSearchOptions } from '@dk/rag';
import type { ChunkedDocument } from '@dk/rag';
import { RagSearchError } from '@dk/spec';
import type {
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchDocument,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import { pickResults, scoreCandidates, StoreSettingsError } from '@dk/storage-kysely';
import type { ScoringCandidate, StoredChunkRow } from '@dk/storage-kysely';
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { migrateSqliteSearch } from './sqlite-search-migrations.js';

/** Settings of {@link SqliteSearchAdapter}: give exactly one of `path` or `database`. */
export interface SqliteSearchAdapterSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /**
   * Which documents this adapter sees: adapters sharing a database keep separate document
   * sets under different collections. Default: `name`.
   */
  readonly collection?: string;
  /** A database file the adapter opens (WAL mode) and closes on `close()`. */
  readonly path?: string;
  /** A better-sqlite3 `Database` you own (e.g. the conversation store's); never closed by the adapter. */
  readonly database?: Database.Database;
  /** How long to wait for another connection's write lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Documents per write transaction (and per progress report) in `index()`. Default 100. */
  readonly batchSize?: number;
}

interface CandidateRow {
  readonly rowid: number;
  readonly tf: number;
  readonly length: number;
}

interface ChunkRow {
  readonly rowid: number;
  readonly chunk_id: string;
  readonly content: string;
  readonly metadata: string;
}

function prepareStatements(db: Database.Database) {
  return {
    insertChunk: db.prepare(
      'INSERT INTO dk_search_chunks (collection, chunk_id, document_id, chunk_index, content, metadata, token_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertFts: db.prepare('INSERT INTO dk_search_fts (rowid, content) VALUES (?, ?)'),
    documentChunks: db.prepare(
      'SELECT rowid, content, token_count FROM dk_search_chunks WHERE collection = ? AND document_id = ?',
    ),
    deleteFts: db.prepare("INSERT INTO dk_search_fts (dk_search_fts, rowid, content) VALUES ('delete', ?, ?)"),
    deleteDocument: db.prepare('DELETE FROM dk_search_chunks WHERE collection = ? AND document_id = ?'),
    stats: db.prepare(
      'SELECT chunk_count AS count, CAST(token_total AS REAL) / max(chunk_count, 1) AS average FROM dk_search_stats WHERE collection = ?',
    ),
    updateStats: db.prepare(
      'INSERT INTO dk_search_stats (collection, chunk_count, token_total) VALUES (?, ?, ?) ON CONFLICT (collection) ' +
        'DO UPDATE SET chunk_count = chunk_count + excluded.chunk_count, token_total = token_total + excluded.token_total',
    ),
    termHits: db.prepare(
      'SELECT v.doc AS rowid, v.tf, c.token_count AS length ' +
        'FROM (SELECT doc, count(*) AS tf FROM dk_search_vocab WHERE term = ? GROUP BY doc) AS v ' +
        'JOIN dk_search_chunks AS c ON c.rowid = v.doc WHERE c.collection = ?',
    ),
    chunks: db.prepare(
      'SELECT rowid, chunk_id, content, metadata FROM dk_search_chunks WHERE rowid IN (SELECT value FROM json_each(?))',
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function settingsError(setting: string, reason: string): StoreSettingsError {
  return new StoreSettingsError({ provider: 'sqlite search', setting, reason });
}

/**
 * Keyword search on SQLite's FTS5, with ingestion: `index()` chunks documents into the
 * `dk_search_chunks` table (its own tables and migrations, next to the conversation store's
 * if they share a file), and an external-content FTS5 index (`unicode61` tokenizer, no
 * diacritic folding) serves the query terms.
 *
 * Ranking is BM25 computed from the FTS5 index's term statistics (`fts5vocab`): for each
 * query term the chunks containing it and its frequency in each, the chunk's indexed length
 * and the collection's size and average length. Scores are normalised exactly like
 * `InMemorySearchAdapter` (each term's BM25 term-frequency factor capped at 1, weighted by
 * idf, divided by the query's total idf), so the same corpus and query give the same scores
 * and one `scoreThreshold` keeps the same chunks on both. The query text never reaches FTS5
 * syntax: it is split into words (letters and digits; quotes, `AND`, `*`, `:` are plain
 * text) and stop words are dropped, as in memory.
 *
 * Filters are metadata equality filters (`matchesFilters` semantics), applied to the ranked
 * chunks. Failures reject with `RagSearchError` (`RAG_SEARCH_FAILED`, `RAG_INDEX_FAILED`)
 * whose `cause` is the SQLite error.
 */
export class SqliteSearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** The collection holding this adapter's documents. */
  readonly collection: string;

  readonly #database: Database.Database;
  readonly #owned: boolean;
  readonly #batchSize: number;
  #ready = false;
  #closed = false;
  #statements: Statements | undefined;

  constructor(settings: SqliteSearchAdapterSettings) {
    if (typeof settings.name !== 'string' || settings.name.trim() === '') {
      throw settingsError('name', 'must be a non-empty string (the adapter_name RAG configs use).');
    }
    const collection = settings.collection ?? settings.name;
    if (typeof collection !== 'string' || collection === '')
      throw settingsError('collection', 'must be a non-empty string.');
    const batchSize = settings.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw settingsError('batchSize', 'must be a positive integer.');
    const { database, owned } = openSqliteDatabase(settings, 'sqlite search');
    this.#database = database;
    this.#owned = owned;
    this.name = settings.name;
    this.collection = collection;
    this.#batchSize = batchSize;
  }

  /** Creates the search tables if needed (also done by the first operation). */
  async migrate(): Promise<void> {
    this.#open('RAG_SEARCH_FAILED');
  }

  /**
   * Chunks and indexes documents; see `IndexableSearchAdapter`. One `BEGIN IMMEDIATE`
   * transaction per batch, so processes sharing the file queue for the write lock
   * (`busyTimeoutMs`) instead of failing on a lock upgrade.
   */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    options.signal?.throwIfAborted();
    const chunked = chunkDocuments(documents, options, this.name);
    const statements = this.#open('RAG_INDEX_FAILED');
    const writeBatch = this.#database.transaction((batch: readonly ChunkedDocument[]) => {
      let chunks = 0;
      let tokens = 0;
      for (const document of batch) {
        const removed = this.#deleteDocument(statements, document.documentId);
        chunks -= removed.chunks;
        tokens -= removed.tokens;
        for (const chunk of document.chunks) {
          const length = tokenize(chunk.content).length;
          const { lastInsertRowid } = statements.insertChunk.run(
            this.collection,
            chunk.id,
            chunk.documentId,
            chunk.chunkIndex,
            chunk.content,
            JSON.stringify(chunk.metadata),
            length,
          );
          statements.insertFts.run(lastInsertRowid, chunk.content);
          chunks += 1;
          tokens += length;
        }
      }
      statements.updateStats.run(this.collection, chunks, tokens);
    });
    return indexInBatches(chunked, options, this.#batchSize, (batch) => {
      this.#guard('RAG_INDEX_FAILED', 'index documents', () => writeBatch.immediate(batch));
    });
  }

  /** Removes documents (all their chunks) in one transaction; returns how many were indexed. */
  async deleteDocuments(ids: readonly string[]): Promise<number> {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new RagSearchError({
        message: 'deleteDocuments() takes an array of document ids (strings).',
        adapterName: this.name,
        code: 'RAG_INDEX_INVALID',
      });
    }
    const statements = this.#open('RAG_INDEX_FAILED');
    const run = this.#database.transaction(() => {
      let documents = 0;
      let chunks = 0;
      let tokens = 0;
      for (const id of ids) {
        const removed = this.#deleteDocument(statements, id);
        if (removed.chunks > 0) documents++;
        chunks -= removed.chunks;
        tokens -= removed.tokens;
      }
      statements.updateStats.run(this.collection, chunks, tokens);
      return documents;
    });
    return this.#guard('RAG_INDEX_FAILED', 'delete documents', () => run.immediate());
  }

  /** Ranks the collection's chunks against `query`; see the class notes for the score. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    if (typeof query !== 'string') {
      throw new RagSearchError({
        message: 'The search query must be a string.',
        adapterName: this.name,
        code: 'RAG_SEARCH_OPTIONS_INVALID',
      });
    }
    const validated = validateSearchOptions(options, this.name);
    const statements = this.#open('RAG_SEARCH_FAILED');
    const terms = [...new Set(tokenize(query))];
    if (terms.length === 0) return [];
    const ranked = this.#guard('RAG_SEARCH_FAILED', 'search', () => {
      const stats = statements.stats.get(this.collection) as { count: number; average: number } | undefined;
      if (stats === undefined || stats.count === 0) return [];
      const candidates = new Map<number, { order: number; length: number; frequencies: number[] }>();
      terms.forEach((term, termIndex) => {
        for (const row of statements.termHits.all(term, this.collection) as CandidateRow[]) {
          let candidate = candidates.get(row.rowid);
          if (candidate === undefined) {
            candidate = { order: row.rowid, length: row.length, frequencies: new Array<number>(terms.length).fill(0) };
            candidates.set(row.rowid, candidate);
          }
          candidate.frequencies[termIndex] = row.tf;
        }
      });
      const list: ScoringCandidate<number>[] = [];
      for (const [key, candidate] of candidates) list.push({ key, ...candidate });
      return scoreCandidates({
        termCount: terms.length,
        documentCount: stats.count,
        averageLength: stats.average,
        candidates: list,
      });
    });
    options.signal?.throwIfAborted();
    return pickResults(ranked, validated, (keys) =>
      this.#guard('RAG_SEARCH_FAILED', 'search', () => {
        const rows = statements.chunks.all(JSON.stringify(keys)) as ChunkRow[];
        const map = new Map<number, StoredChunkRow>();
        for (const row of rows) {
          map.set(row.rowid, {
            chunkId: row.chunk_id,
            content: row.content,
            metadata: JSON.parse(row.metadata) as Record<string, unknown>,
          });
        }
        return map;
      }),
    );
  }

  /** Closes the database when the adapter opened it (`path`); later calls fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements = undefined;
    if (this.#owned) this.#database.close();
  }

  #deleteDocument(statements: Statements, documentId: string): { chunks: number; tokens: number } {
    const rows = statements.documentChunks.all(this.collection, documentId) as {
      rowid: number;
      content: string;
      token_count: number;
    }[];
    let tokens = 0;
    for (const row of rows) {
      statements.deleteFts.run(row.rowid, row.content);
      tokens += row.token_count;
    }
    statements.deleteDocument.run(this.collection, documentId);
    return { chunks: rows.length, tokens };
  }

  #guard<T>(code: string, action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof RagSearchError) throw error;
      throw new RagSearchError({
        message: `SQLite search adapter "${this.name}" could not ${action}: ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        code,
        cause: error,
      });
    }
  }

  #open(code: string): Statements {
    if (this.#closed) {
      throw new RagSearchError({
        message: `Search adapter "${this.name}" is closed. Create a new SqliteSearchAdapter.`,
        adapterName: this.name,
        code: 'RAG_ADAPTER_CLOSED',
      });
    }
    if (this.#statements !== undefined) return this.#statements;
    return this.#guard(code, 'prepare its tables', () => {
      if (!this.#ready) {
        migrateSqliteSearch(this.#database);
        this.#ready = true;
      }
      this.#statements = prepareStatements(this.#database);
      return this.#statements;
    });
  }
}
