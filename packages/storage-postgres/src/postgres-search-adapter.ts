import { chunkDocuments, indexInBatches, validateSearchOptions } from '@dk/rag';
import type { ChunkedDocument, DocumentChunk } from '@dk/rag';
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
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { migratePostgresSearch } from './postgres-search-migrations.js';

/** Settings of {@link PostgresSearchAdapter}: give exactly one of `connectionString` or `pool`. */
export interface PostgresSearchAdapterSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /**
   * Which documents this adapter sees: adapters sharing a schema keep separate document
   * sets under different collections. Default: `name`.
   */
  readonly collection?: string;
  /** Connection URL; the adapter creates (lazily) and owns a `pg.Pool`, ended on `close()`. */
  readonly connectionString?: string;
  /** A ready `pg.Pool` the application owns (the adapter never ends it). */
  readonly pool?: Pool;
  /** Schema holding the search tables, created by the migrations. Default `public`. */
  readonly schema?: string;
  /**
   * PostgreSQL text-search configuration used for documents and queries (stemming, stop
   * words), e.g. `english`, `simple`, `german`. Default `english`. Changing it for an
   * existing collection needs a re-index.
   */
  readonly language?: string;
  /** Size of the pool the adapter creates from `connectionString`. Default 10. */
  readonly maxConnections?: number;
  /** Documents per write transaction (and per progress report) in `index()`. Default 100. */
  readonly batchSize?: number;
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const languagePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

function settingsError(setting: string, reason: string): StoreSettingsError {
  return new StoreSettingsError({ provider: 'postgres search', setting, reason });
}

/** Quotes a lexeme as a tsquery operand, so no user text is ever read as tsquery syntax. */
function tsqueryOperand(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

interface HitRow {
  readonly seq: string;
  readonly length: number;
  readonly lexeme: string;
  readonly tf: number;
  readonly count: string;
  readonly average: number;
}

/**
 * Keyword search on PostgreSQL full-text search, with ingestion: `index()` chunks documents
 * into `<schema>.dk_search_chunks` (its own migrations, next to the conversation store's
 * tables if they share a schema), each chunk with a `tsvector` in the configured
 * text-search language and a GIN index that finds the chunks containing the query's
 * lexemes.
 *
 * Ranking is BM25 over the tsvectors' term statistics (lexeme occurrences per chunk, the
 * chunk's indexed length, the collection's size and average length), with scores
 * normalised exactly like `InMemorySearchAdapter` (each query term's BM25 term-frequency
 * factor capped at 1, weighted by idf, divided by the query's total idf). The terms are the
 * language's lexemes (stemmed, its own stop words), so scores equal the in-memory ones when
 * both tokenise a text alike and stay close otherwise; one `scoreThreshold` works on both.
 * `ts_rank` is not used because its scores are neither bounded nor comparable across
 * queries. The query text never reaches tsquery syntax: PostgreSQL's parser turns it into
 * lexemes, each quoted as a literal operand.
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

  readonly #pool: Pool;
  readonly #owned: boolean;
  readonly #batchSize: number;
  readonly #table: string;
  readonly #stats: string;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(settings: PostgresSearchAdapterSettings) {
    if (typeof settings.name !== 'string' || settings.name.trim() === '') {
      throw settingsError('name', 'must be a non-empty string (the adapter_name RAG configs use).');
    }
    const collection = settings.collection ?? settings.name;
    if (typeof collection !== 'string' || collection === '')
      throw settingsError('collection', 'must be a non-empty string.');
    const schema = settings.schema ?? 'public';
    if (!identifierPattern.test(schema)) {
      throw settingsError(
        'schema',
        'must be an unquoted identifier: a letter or `_`, then letters, digits or `_` (at most 63).',
      );
    }
    const language = settings.language ?? 'english';
    if (!languagePattern.test(language)) {
      throw settingsError(
        'language',
        'must name a text-search configuration such as `english` or `simple` (see `\\dF` in psql).',
      );
    }
    const batchSize = settings.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw settingsError('batchSize', 'must be a positive integer.');
    const { connectionString, pool } = settings;
    if ((connectionString === undefined) === (pool === undefined)) {
      throw settingsError(
        'connectionString',
        'give exactly one of `connectionString` (e.g. process.env.DATABASE_URL) or `pool` (a pg.Pool).',
      );
    }
    if (pool !== undefined) {
      this.#pool = pool;
      this.#owned = false;
    } else {
      if (typeof connectionString !== 'string' || connectionString.length === 0) {
        throw settingsError('connectionString', 'must be a non-empty postgres:// URL (is DATABASE_URL set?).');
      }
      const max = settings.maxConnections ?? 10;
      if (!Number.isInteger(max) || max < 1) throw settingsError('maxConnections', 'must be a positive integer.');
      this.#pool = new pg.Pool({ connectionString, max });
      this.#owned = true;
    }
    this.name = settings.name;
    this.collection = collection;
    this.schema = schema;
    this.language = language;
    this.#batchSize = batchSize;
    this.#table = `"${schema}".dk_search_chunks`;
    this.#stats = `"${schema}".dk_search_stats`;
  }

  /** Creates the search tables if needed (also done by the first operation). */
  async migrate(): Promise<void> {
    await this.#open('RAG_SEARCH_FAILED');
  }

  /** Chunks and indexes documents; see `IndexableSearchAdapter`. One transaction per batch. */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    options.signal?.throwIfAborted();
    const chunked = chunkDocuments(documents, options, this.name);
    await this.#open('RAG_INDEX_FAILED');
    return indexInBatches(chunked, options, this.#batchSize, (batch) =>
      this.#transaction('RAG_INDEX_FAILED', 'index documents', (client) => this.#writeBatch(client, batch)),
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
    await this.#open('RAG_INDEX_FAILED');
    return this.#transaction('RAG_INDEX_FAILED', 'delete documents', async (client) => {
      await this.#lockDocuments(client, ids);
      const { rows } = await client.query<{ documents: string; chunks: string; tokens: string }>(
        `WITH deleted AS (
           DELETE FROM ${this.#table} WHERE collection = $1 AND document_id = ANY($2::text[]) RETURNING document_id, token_count
         )
         SELECT count(DISTINCT document_id) AS documents, count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens FROM deleted`,
        [this.collection, ids],
      );
      const deleted = rows[0]!;
      await this.#updateStats(client, -Number(deleted.chunks), -Number(deleted.tokens));
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
    await this.#open('RAG_SEARCH_FAILED');
    const ranked = await this.#guard('RAG_SEARCH_FAILED', 'search', async () => {
      const lexemes = await this.#pool.query<{ lexeme: string }>(
        'SELECT lexeme FROM unnest(to_tsvector($1::regconfig, $2)) ORDER BY lexeme',
        [this.language, query],
      );
      const terms = lexemes.rows.map((row) => row.lexeme);
      // An abort between the queries surfaces after the guard, as the signal's reason.
      if (terms.length === 0 || options.signal?.aborted === true) return [];
      const { rows } = await this.#pool.query<HitRow>(
        `WITH stats AS (
           SELECT chunk_count AS count, CASE WHEN chunk_count > 0 THEN token_total::float8 / chunk_count ELSE 0 END AS average
             FROM ${this.#stats} WHERE collection = $1
         )
         SELECT c.seq::text AS seq, c.token_count AS length, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf,
                stats.count, stats.average
           FROM stats, ${this.#table} AS c
                -- Only the query's lexemes: mark them with weight A, keep only weight A.
                CROSS JOIN LATERAL unnest(ts_filter(setweight(c.tsv, 'A', $3::text[]), '{a}')) AS u
          WHERE c.collection = $1 AND c.tsv @@ $2::tsquery`,
        [this.collection, terms.map(tsqueryOperand).join(' | '), terms],
      );
      const first = rows[0];
      if (first === undefined) return [];
      const termIndex = new Map(terms.map((term, index) => [term, index]));
      const candidates = new Map<string, ScoringCandidate<string>>();
      for (const row of rows) {
        let candidate = candidates.get(row.seq);
        if (candidate === undefined) {
          candidate = {
            key: row.seq,
            order: Number(row.seq),
            length: row.length,
            frequencies: new Array<number>(terms.length).fill(0),
          };
          candidates.set(row.seq, candidate);
        }
        (candidate.frequencies as number[])[termIndex.get(row.lexeme)!] = row.tf;
      }
      return scoreCandidates({
        termCount: terms.length,
        documentCount: Number(first.count),
        averageLength: first.average,
        candidates: [...candidates.values()],
      });
    });
    options.signal?.throwIfAborted();
    return pickResults(ranked, validated, (keys) =>
      this.#guard('RAG_SEARCH_FAILED', 'search', async () => {
        const { rows } = await this.#pool.query<{
          seq: string;
          chunk_id: string;
          content: string;
          metadata: Record<string, unknown>;
        }>(`SELECT seq::text AS seq, chunk_id, content, metadata FROM ${this.#table} WHERE seq = ANY($1::bigint[])`, [
          keys,
        ]);
        return new Map<string, StoredChunkRow>(
          rows.map((row) => [row.seq, { chunkId: row.chunk_id, content: row.content, metadata: row.metadata }]),
        );
      }),
    );
  }

  /** Ends the pool when the adapter created it (`connectionString`); later calls fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#pool.end();
  }

  async #writeBatch(client: PoolClient, batch: readonly ChunkedDocument[]): Promise<void> {
    const documentIds = batch.map((document) => document.documentId);
    await this.#lockDocuments(client, documentIds);
    const deleted = await client.query<{ chunks: string; tokens: string }>(
      `WITH deleted AS (DELETE FROM ${this.#table} WHERE collection = $1 AND document_id = ANY($2::text[]) RETURNING token_count)
       SELECT count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens FROM deleted`,
      [this.collection, documentIds],
    );
    let chunkDelta = -Number(deleted.rows[0]!.chunks);
    let tokenDelta = -Number(deleted.rows[0]!.tokens);
    const chunks = batch.flatMap((document) => document.chunks);
    if (chunks.length > 0) {
      const inserted = await this.#insertChunks(client, chunks);
      chunkDelta += inserted.chunks;
      tokenDelta += inserted.tokens;
    }
    await this.#updateStats(client, chunkDelta, tokenDelta);
  }

  async #updateStats(client: PoolClient, chunks: number, tokens: number): Promise<void> {
    if (chunks === 0 && tokens === 0) return;
    await client.query(
      `INSERT INTO ${this.#stats} AS s (collection, chunk_count, token_total) VALUES ($1, $2, $3)
       ON CONFLICT (collection) DO UPDATE SET chunk_count = s.chunk_count + EXCLUDED.chunk_count, token_total = s.token_total + EXCLUDED.token_total`,
      [this.collection, chunks, tokens],
    );
  }

  async #insertChunks(
    client: PoolClient,
    chunks: readonly DocumentChunk[],
  ): Promise<{ chunks: number; tokens: number }> {
    const { rows } = await client.query<{ chunks: string; tokens: string }>(
      `WITH inserted AS (
       INSERT INTO ${this.#table} (collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count)
       SELECT $1, x.chunk_id, x.document_id, x.chunk_index, x.content, x.metadata::jsonb, v.tsv,
              (SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) FROM unnest(v.tsv) AS u)
         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[])
              WITH ORDINALITY AS x(chunk_id, document_id, chunk_index, content, metadata, ord)
              CROSS JOIN LATERAL (SELECT to_tsvector($7::regconfig, x.content) AS tsv) AS v
        ORDER BY x.ord
       RETURNING token_count
       )
       SELECT count(*) AS chunks, coalesce(sum(token_count), 0) AS tokens FROM inserted`,
      [
        this.collection,
        chunks.map((chunk) => chunk.id),
        chunks.map((chunk) => chunk.documentId),
        chunks.map((chunk) => chunk.chunkIndex),
        chunks.map((chunk) => chunk.content),
        chunks.map((chunk) => JSON.stringify(chunk.metadata)),
        this.language,
      ],
    );
    return { chunks: Number(rows[0]!.chunks), tokens: Number(rows[0]!.tokens) };
  }

  /** Serialises writers of the same documents across connections (locks taken in sorted order). */
  async #lockDocuments(client: PoolClient, documentIds: readonly string[]): Promise<void> {
    await client.query(
      `SELECT count(pg_advisory_xact_lock(key)) FROM (
         SELECT DISTINCT hashtextextended($1 || chr(1) || id, 0) AS key FROM unnest($2::text[]) AS id ORDER BY key
       ) AS keys`,
      [this.collection, documentIds],
    );
  }

  async #transaction<T>(code: string, action: string, run: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#guard(code, action, async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        const result = await run(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
  }

  async #guard<T>(code: string, action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RagSearchError) throw error;
      throw new RagSearchError({
        message: `PostgreSQL search adapter "${this.name}" could not ${action}: ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        code,
        cause: error,
      });
    }
  }

  async #open(code: string): Promise<void> {
    if (this.#closed) {
      throw new RagSearchError({
        message: `Search adapter "${this.name}" is closed. Create a new PostgresSearchAdapter.`,
        adapterName: this.name,
        code: 'RAG_ADAPTER_CLOSED',
      });
    }
    this.#ready ??= this.#guard(code, 'prepare its tables', async () => {
      const client = await this.#pool.connect();
      try {
        const known = await client.query(
          `SELECT 1 FROM pg_ts_config AS c JOIN pg_namespace AS n ON n.oid = c.cfgnamespace
            WHERE c.cfgname = $1 OR n.nspname || '.' || c.cfgname = $1`,
          [this.language],
        );
        if (known.rowCount === 0) {
          throw new RagSearchError({
            message: `PostgreSQL has no text-search configuration "${this.language}". Use one listed by \`SELECT cfgname FROM pg_ts_config\` (e.g. english, simple).`,
            adapterName: this.name,
            code: 'RAG_SEARCH_CONFIG_INVALID',
          });
        }
        await migratePostgresSearch(client, this.schema);
      } finally {
        client.release();
      }
    });
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = undefined;
      throw error;
    }
  }
}
