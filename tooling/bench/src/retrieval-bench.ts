// Retrieval quality on the labelled set shipped with @dk/rag: recall@5 and MRR for keyword
// adapters (in-memory BM25, SQLite FTS5, PostgreSQL full text) against vector and hybrid
// (keyword + vector by reciprocal rank fusion) search. Run: `pnpm bench retrieval`.
//
// Embeddings come from the echo provider (hashed bag-of-words): no embedding model can be
// downloaded on the machines this runs on, and no test or benchmark reaches the internet.
// Bag-of-words vectors only see shared words, like keyword search, so the hybrid's gains
// here are limited to re-ranking; a real dense model (OpenAIEmbeddingModel) is what makes
// vector and hybrid search find paraphrases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EchoEmbeddingModel } from '@dk/providers-echo';
import {
  CachedEmbeddingModel,
  HybridSearchAdapter,
  InMemorySearchAdapter,
  MemoryEmbeddingCache,
  VectorSearchAdapter,
} from '@dk/rag';
import type { IndexableSearchAdapter, SearchAdapter } from '@dk/spec';
import { PostgresSearchAdapter } from '@dk/storage-postgres';
import { SqliteSearchAdapter } from '@dk/storage-sqlite';
import pg from 'pg';
import { evaluateRetrieval, evaluateThresholds, loadRetrievalEvalSet } from './retrieval-eval.js';
import type { NamedAdapter, RetrievalEvalSet } from './retrieval-eval.js';
import { postgresUrl } from './bench-postgres.js';

/**
 * Indexes the frozen chunks as they are (one document per chunk, `chunking: false`) and
 * returns an adapter whose result ids are the labelled chunk ids again: a document `d`
 * kept whole is stored as chunk `d#0`.
 */
async function indexChunks(adapter: IndexableSearchAdapter, set: RetrievalEvalSet): Promise<SearchAdapter> {
  await adapter.index(
    set.chunks.map((chunk) => ({ id: chunk.id, content: chunk.content, metadata: chunk.metadata })),
    { chunking: false },
  );
  return {
    specificationVersion: 'v1',
    name: adapter.name,
    search: async (query, options) =>
      (await adapter.search(query, options)).map((result) => ({ ...result, id: result.id.replace(/#0$/, '') })),
  };
}

export async function runRetrievalBench(): Promise<void> {
  const set = loadRetrievalEvalSet();
  const cache = new MemoryEmbeddingCache();
  const embeddings = new CachedEmbeddingModel({ model: new EchoEmbeddingModel({ dimensions: 768 }), cache });
  const bm25 = new InMemorySearchAdapter({ name: 'bm25', documents: set.chunks });
  const vector = new VectorSearchAdapter({ name: 'vector', embeddingModel: embeddings });
  const coldStart = performance.now();
  await vector.add(set.chunks);
  const coldMs = performance.now() - coldStart;
  // A second adapter over the same chunks embeds nothing: every vector is in the cache.
  const warm = new VectorSearchAdapter({ name: 'vector-warm', embeddingModel: embeddings });
  const warmStart = performance.now();
  await warm.add(set.chunks);
  const warmMs = performance.now() - warmStart;

  const adapters: NamedAdapter[] = [
    { name: 'in-memory BM25 (keyword)', adapter: bm25 },
    { name: 'vector (echo embeddings, cosine)', adapter: vector },
    {
      name: 'hybrid: in-memory BM25 + vector (score fusion)',
      adapter: new HybridSearchAdapter({ name: 'hybrid', keyword: bm25, vector }),
    },
  ];

  const directory = mkdtempSync(join(tmpdir(), 'dk-retrieval-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(directory, { recursive: true, force: true })];
  const sqliteAdapter = new SqliteSearchAdapter({ name: 'sqlite', path: join(directory, 'search.db') });
  cleanups.push(async () => sqliteAdapter.close());
  const sqlite = await indexChunks(sqliteAdapter, set);
  adapters.push(
    { name: 'SQLite FTS5 (keyword)', adapter: sqlite },
    {
      name: 'hybrid: SQLite FTS5 + vector (score fusion)',
      adapter: new HybridSearchAdapter({ name: 'hybrid-sqlite', keyword: sqlite, vector }),
    },
  );

  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 2000 });
  cleanups.push(async () => pool.end());
  const schema = `dk_bench_retrieval_${Date.now().toString(36)}`;
  let postgresNote = '';
  try {
    await pool.query('SELECT 1');
    const postgres = new PostgresSearchAdapter({ name: 'postgres', pool, schema });
    cleanups.push(async () => {
      await postgres.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    });
    const relabelled = await indexChunks(postgres, set);
    adapters.push(
      { name: 'PostgreSQL full text (keyword)', adapter: relabelled },
      {
        name: 'hybrid: PostgreSQL + vector (score fusion)',
        adapter: new HybridSearchAdapter({ name: 'hybrid-postgres', keyword: relabelled, vector }),
      },
    );
  } catch (error) {
    postgresNote = `PostgreSQL skipped (${error instanceof Error ? error.message : String(error)}).`;
  }

  try {
    const scores = await evaluateRetrieval(set, adapters);
    process.stdout.write(
      `${set.questions.length} labelled questions over ${set.chunks.length} chunks of the repository's docs; top 10 per query.\n\n`,
    );
    process.stdout.write(
      '| adapter | recall@5 | MRR@10 | questions missed (top 5) | median query ms |\n|---|---|---|---|---|\n',
    );
    for (const score of scores) {
      process.stdout.write(
        `| ${score.name} | ${score.recallAt5.toFixed(3)} | ${score.mrr.toFixed(3)} | ${score.misses.length} | ${score.medianMs.toFixed(2)} |\n`,
      );
    }
    process.stdout.write(
      `\nThe guide's thresholds at k = 5 (dk's score scale): on-topic = ${set.questions.length} labelled questions, off-topic = ${set.offTopic.length} questions the docs do not answer.\n\n`,
    );
    process.stdout.write(
      '| adapter | threshold | on-topic answered (relevant kept) | on-topic recall@5 | kept per on-topic question | off-topic with any result | kept per off-topic question |\n|---|---|---|---|---|---|---|\n',
    );
    for (const { name, adapter } of adapters) {
      for (const outcome of await evaluateThresholds(set, adapter, [0, 0.5, 0.7, 0.8])) {
        process.stdout.write(
          `| ${name} | ${outcome.threshold === 0 ? 'none' : outcome.threshold} | ${outcome.answered}/${set.questions.length} | ${outcome.recallAt5.toFixed(3)} | ${outcome.keptOnTopic.toFixed(1)} | ${outcome.offTopicKept}/${set.offTopic.length} | ${outcome.keptOffTopic.toFixed(1)} |\n`,
        );
      }
    }
    process.stdout.write(
      `\nEmbedding ${set.chunks.length} chunks: ${coldMs.toFixed(1)} ms cold, ${warmMs.toFixed(1)} ms from the embedding cache (${(coldMs / Math.max(warmMs, 0.001)).toFixed(1)}x).\n`,
    );
    process.stdout.write(
      'Embeddings: echo (hashed bag-of-words, 768 dims); no dense model can be downloaded here, so hybrid gains are limited.\n',
    );
    if (postgresNote) process.stdout.write(`${postgresNote}\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
