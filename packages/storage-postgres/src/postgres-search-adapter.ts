import { RagSearchError } from '@dk/spec';
import type {
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchDocument,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import type { MigrationResult, SqlConnection, StoreExecutor, StoreTable } from '@dk/storage-kysely';
import {
  checkSettings,
  chunkDocuments,
  indexInBatches,
  throwIfAdapterClosed,
  validateSearchOptions,
} from '@dk/storage-utils';
import type { ChunkedDocument, DocumentChunk } from '@dk/storage-utils';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import { rankPostgresChunks } from './rank-postgres-chunks.js';
import { openPostgresConnection, postgresConnectionSettingNames } from './open-postgres-connection.js';
import type { PostgresConnectionSettings } from './open-postgres-connection.js';

/**
 * Settings of {@link PostgresSearchAdapter}: give exactly one of `connectionString` (the
 * adapter owns a pool) or `pool` (a `pg.Pool` you own, e.g. the one your conversation store
 * uses: then both share one Kysely instance and, in the same schema, one migration history).
 */
export interface PostgresSearchAdapterSettings extends PostgresConnectionSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /**
   * Which documents this adapter sees: adapters sharing a schema keep separate document
   * sets under different collections. Default: `name`.
   */
  readonly collection?: string;
  /**
   * PostgreSQL text-search configuration used for documents and queries (stemming, stop
   * words), e.g. `english`, `simple`, `german`. Default `english`. Changing it for an
   * existing collection needs a re-index.
   */
  readonly language?: string;
  /** Documents per write transaction (and per progress report) in `index()`. Default 100. */
  readonly batchSize?: number;
}

const languagePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/**
 * Keyword search on PostgreSQL full-text search, with ingestion: `index()` chunks documents
 * into `<schema>.dk_search_chunks`, each chunk with a `tsvector` in the configured
 * text-search language and a GIN index that finds the chunks containing the query's
 * lexemes. The tables belong to the backend's one schema (`@dk/storage-postgres`'s numbered
 * migrations, shared with the conversation store), and every statement runs through Kysely
 * on the backend's one pool.
 *
 * Ranking happens inside PostgreSQL (`rankPostgresChunks`): the server computes dk's BM25
 * coverage over the tsvectors (each query lexeme's BM25 term-frequency factor capped at 1,
 * weighted by idf, divided by the query's total idf; the collection's size and average
 * length, each lexeme's document frequency) and returns only the best rows (`ORDER BY …
 * LIMIT`), with exact pruning so chunks that cannot reach the top k are not ranked: first
 * only those holding enough of the query's lexemes together (a boolean tsquery), then those
 * holding a lexeme rarer than its most common ones (MaxScore). Scores are then on dk's one scale
 * (`calibrateScore` of `@dk/storage-utils`). The terms are the language's lexemes (stemmed,
 * its own stop words), so scores equal the in-memory ones when both tokenise a text alike and
 * stay close otherwise; one `scoreThreshold` works on both. The query text never reaches
 * tsquery syntax: PostgreSQL's parser turns it into lexemes, each quoted as a literal operand.
 *
 * Filters are metadata equality filters (`matchesFilters` semantics), applied to the ranked
 * chunks. Failures reject with `RagSearchError` (`RAG_SEARCH_FAILED`, `RAG_INDEX_FAILED`)
 * whose `cause` is the pg error.
 */
export class PostgresSearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** The collection holding this adapter's documents. */
  readonly collection: string;
  /** The schema holding the search tables. */
  readonly schema: string;
  /** The text-search configuration. */
  readonly language: string;

  readonly #connection: SqlConnection;
  readonly #batchSize: number;
  #languageChecked: Promise<void> | undefined;
  #closed = false;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type.
   */
  constructor(settings: PostgresSearchAdapterSettings) {
    const check = checkSettings({ provider: 'postgres', component: 'PostgresSearchAdapter' }, settings, [
      ...postgresConnectionSettingNames,
      'name',
      'collection',
      'language',
      'batchSize',
    ]);
    this.name = check.string('name', settings?.name, {
      reason: 'must be a non-empty string (the adapter_name RAG configs use).',
    });
    this.collection = check.string('collection', settings.collection, {
      fallback: this.name,
      pattern: /./,
      reason: 'must be a non-empty string.',
    });
    this.language = check.string('language', settings.language, {
      fallback: 'english',
      pattern: languagePattern,
      reason: 'must name a text-search configuration such as `english` or `simple` (see `\\dF` in psql).',
    });
    this.#batchSize = check.integer('batchSize', settings.batchSize, { min: 1, fallback: 100 });
    const { connection, schema } = openPostgresConnection(settings, check);
    this.#connection = connection;
    this.schema = schema;
  }

  /**
   * Brings the schema (search tables included) to the latest version; also done by the first
   * operation. The migrations are the backend's one list, shared with the store.
   */
  async migrate(): Promise<MigrationResult> {
    this.#assertOpen();
    return this.#guard('RAG_SEARCH_FAILED', 'migrate its tables', () => this.#connection.migrate());
  }

  /** Chunks and indexes documents; see `IndexableSearchAdapter`. One transaction per batch. */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    options.signal?.throwIfAborted();
    const chunked = chunkDocuments(documents, options, this.name);
    await this.#ready('RAG_INDEX_FAILED');
    return indexInBatches(chunked, options, this.#batchSize, (batch) =>
      this.#transaction('RAG_INDEX_FAILED', 'index documents', (executor) => this.#writeBatch(executor, batch)),
    );
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
    await this.#ready('RAG_INDEX_FAILED');
    return this.#transaction('RAG_INDEX_FAILED', 'delete documents', async (executor) => {
      await this.#lockDocuments(executor, ids);
      const { rows } = await sql<{ documents: string; chunks: string; tokens: string }>`WITH deleted AS (
          DELETE FROM ${this.#table('dk_search_chunks')}
          WHERE collection = ${this.collection} AND document_id = ANY(${ids}::text[]) RETURNING document_id, token_count)
        SELECT count(DISTINCT document_id) AS documents, count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens
        FROM deleted`.execute(executor);
      const deleted = rows[0]!;
      await this.#updateStats(executor, -Number(deleted.chunks), -Number(deleted.tokens));
      return Number(deleted.documents);
    });
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
    await this.#ready('RAG_SEARCH_FAILED');
    const results = await this.#guard('RAG_SEARCH_FAILED', 'search', () =>
      // One pooled connection for the statements of a search.
      this.#connection.db.connection().execute((db) =>
        rankPostgresChunks(
          db,
          {
            chunks: this.#table('dk_search_chunks'),
            stats: this.#table('dk_search_stats'),
            collection: this.collection,
            language: this.language,
          },
          query,
          validated,
          options.signal,
        ),
      ),
    );
    options.signal?.throwIfAborted();
    return results;
  }

  /** Ends the pool when the adapter created it (`connectionString`); later calls fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#connection.close();
  }

  #table(name: StoreTable): RawBuilder<unknown> {
    return this.#connection.dialect.table(name);
  }

  async #writeBatch(executor: StoreExecutor, batch: readonly ChunkedDocument[]): Promise<void> {
    const documentIds = batch.map((document) => document.documentId);
    await this.#lockDocuments(executor, documentIds);
    const deleted = await sql<{ chunks: string; tokens: string }>`WITH deleted AS (
        DELETE FROM ${this.#table('dk_search_chunks')}
        WHERE collection = ${this.collection} AND document_id = ANY(${documentIds}::text[]) RETURNING token_count)
      SELECT count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens FROM deleted`.execute(executor);
    let chunkDelta = -Number(deleted.rows[0]!.chunks);
    let tokenDelta = -Number(deleted.rows[0]!.tokens);
    const chunks = batch.flatMap((document) => document.chunks);
    if (chunks.length > 0) {
      const inserted = await this.#insertChunks(executor, chunks);
      chunkDelta += inserted.chunks;
      tokenDelta += inserted.tokens;
    }
    await this.#updateStats(executor, chunkDelta, tokenDelta);
  }

  async #updateStats(executor: StoreExecutor, chunks: number, tokens: number): Promise<void> {
    if (chunks === 0 && tokens === 0) return;
    await sql`INSERT INTO ${this.#table('dk_search_stats')} AS s (collection, chunk_count, token_total)
      VALUES (${this.collection}, ${chunks}, ${tokens})
      ON CONFLICT (collection) DO UPDATE SET chunk_count = s.chunk_count + EXCLUDED.chunk_count,
        token_total = s.token_total + EXCLUDED.token_total`.execute(executor);
  }

  async #insertChunks(
    executor: StoreExecutor,
    chunks: readonly DocumentChunk[],
  ): Promise<{ chunks: number; tokens: number }> {
    const { rows } = await sql<{ chunks: string; tokens: string }>`WITH inserted AS (
      INSERT INTO ${this.#table('dk_search_chunks')}
        (collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count)
      SELECT ${this.collection}, x.chunk_id, x.document_id, x.chunk_index, x.content, x.metadata::jsonb, v.tsv,
             (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) FROM unnest(v.tsv) AS u)
        FROM unnest(${chunks.map((chunk) => chunk.id)}::text[], ${chunks.map((chunk) => chunk.documentId)}::text[],
                    ${chunks.map((chunk) => chunk.chunkIndex)}::int[], ${chunks.map((chunk) => chunk.content)}::text[],
                    ${chunks.map((chunk) => JSON.stringify(chunk.metadata))}::text[])
             WITH ORDINALITY AS x(chunk_id, document_id, chunk_index, content, metadata, ord)
             CROSS JOIN LATERAL (SELECT to_tsvector(${this.language}::regconfig, x.content) AS tsv) AS v
       ORDER BY x.ord
      RETURNING token_count)
      SELECT count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens FROM inserted`.execute(executor);
    return { chunks: Number(rows[0]!.chunks), tokens: Number(rows[0]!.tokens) };
  }

  /** Serialises writers of the same documents across connections (locks taken in sorted order). */
  async #lockDocuments(executor: StoreExecutor, documentIds: readonly string[]): Promise<void> {
    await sql`SELECT count(pg_advisory_xact_lock(key)) FROM (
        SELECT DISTINCT hashtextextended(${this.collection}::text || chr(1) || id, 0) AS key
        FROM unnest(${documentIds}::text[]) AS id ORDER BY key) AS keys`.execute(executor);
  }

  #transaction<T>(code: string, action: string, run: (executor: StoreExecutor) => Promise<T>): Promise<T> {
    return this.#guard(code, action, () => this.#connection.db.transaction().execute(run));
  }

  async #guard<T>(code: string, action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (RagSearchError.isInstance(error)) throw error;
      throw new RagSearchError({
        message: `PostgreSQL search adapter "${this.name}" could not ${action}: ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        code,
        cause: error,
      });
    }
  }

  #assertOpen(): void {
    throwIfAdapterClosed(this.#closed, this.name, 'PostgresSearchAdapter');
  }

  /** Fails when closed; checks the language and migrates the schema (once per adapter and connection). */
  async #ready(code: string): Promise<void> {
    this.#assertOpen();
    await this.#guard(code, 'prepare its tables', () => this.#connection.ensureMigrated());
    this.#languageChecked ??= this.#guard(code, 'check its language', async () => {
      const known = await sql`SELECT 1 FROM pg_ts_config AS c JOIN pg_namespace AS n ON n.oid = c.cfgnamespace
        WHERE c.cfgname = ${this.language} OR n.nspname || '.' || c.cfgname = ${this.language}`.execute(
        this.#connection.db,
      );
      if (known.rows.length === 0) {
        throw new RagSearchError({
          message: `PostgreSQL has no text-search configuration "${this.language}". Use one listed by \`SELECT cfgname FROM pg_ts_config\` (e.g. english, simple).`,
          adapterName: this.name,
          code: 'RAG_SEARCH_CONFIG_INVALID',
        });
      }
    });
    try {
      await this.#languageChecked;
    } catch (error) {
      this.#languageChecked = undefined;
      throw error;
    }
  }
}
