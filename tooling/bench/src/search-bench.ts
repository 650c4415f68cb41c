// Search benchmark: keyword search at 100,000 chunks (10,000 documents of 10 paragraphs,
// chunked by paragraph) on the in-memory, SQLite FTS5 and PostgreSQL full-text adapters, at
// k = 5, with two query sets: 300 topical queries (words of mid and low frequency, what
// stop-word removal leaves of a question) and 300 that also contain the corpus's most
// frequent words (which occur in most chunks and so make every candidate set large).
//
// Baseline: for SQLite and PostgreSQL, the engine's own top-5 query on the same tables in the
// same run, interleaved query by query with dk's adapter (FTS5 `ORDER BY rank LIMIT 5`;
// PostgreSQL `ORDER BY ts_rank(...) DESC LIMIT 5` over the same OR query), each reading back
// the id, text and metadata of every result. Agreement is the share of dk's top 5 that the
// exact in-memory BM25 ranking also has in its top 5 (same corpus, same statistics).
// For SQLite's common-word queries, the note under the table also times FTS5's top 5 of only the
// chunks holding each query's rarest term: about the least an exact answer costs there.
// `DK_BENCH_SEARCH_DOCUMENTS` changes the size (default 10,000 documents). Run:
// `pnpm bench search`.
//
// The corpus is synthetic and seeded (a Zipf-like vocabulary of 5,000 words), so every run
// indexes the same text.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySearchAdapter } from '@dk/rag';
import type { IndexableSearchAdapter, SearchDocument } from '@dk/spec';
import { PostgresSearchAdapter } from '@dk/storage-postgres';
import { SqliteSearchAdapter } from '@dk/storage-sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { percentile, random } from './bench-stats.js';
import { postgresUrl } from './bench-postgres.js';

const documentCount = Number(process.env['DK_BENCH_SEARCH_DOCUMENTS'] ?? 10_000);
const paragraphsPerDocument = 10;
const queryCount = 300;
const chunking = { maxChars: 500, overlapChars: 40 };
/** `DK_BENCH_SEARCH_BACKENDS=sqlite,postgres` runs only those (the in-memory reference always runs). */
const backends = (process.env['DK_BENCH_SEARCH_BACKENDS'] ?? 'sqlite,postgres').split(',');
function vocabulary(size: number, next: () => number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = new Set<string>();
  while (words.size < size) {
    const length = 4 + Math.floor(next() * 7);
    let word = '';
    for (let index = 0; index < length; index++) word += letters[Math.floor(next() * letters.length)];
    words.add(word);
  }
  return [...words];
}

/** Picks a word with probability falling off as 1 / rank (Zipf, s = 1). */
function zipfPicker(words: readonly string[], next: () => number): () => string {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= words.length; rank++) cumulative.push((total += 1 / rank));
  return () => {
    const target = next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return words[low]!;
  };
}

function corpus(): { documents: SearchDocument[]; topical: string[]; mixed: string[] } {
  const next = random(7);
  const words = vocabulary(5_000, next);
  const pick = zipfPicker(words, next);
  const documents: SearchDocument[] = [];
  for (let document = 0; document < documentCount; document++) {
    const paragraphs: string[] = [];
    for (let paragraph = 0; paragraph < paragraphsPerDocument; paragraph++) {
      // 45–60 words: about 300–450 characters, so each paragraph becomes one chunk.
      const length = 45 + Math.floor(next() * 16);
      const sentence: string[] = [];
      for (let word = 0; word < length; word++) sentence.push(pick());
      paragraphs.push(`${sentence.join(' ')}.`);
    }
    documents.push({ id: `doc-${document}`, content: paragraphs.join('\n\n'), metadata: { shard: document % 10 } });
  }
  const topical: string[] = [];
  const mixed: string[] = [];
  for (let query = 0; query < queryCount; query++) {
    const length = 2 + Math.floor(next() * 3);
    const topicalTerms: string[] = [];
    const mixedTerms: string[] = [words[50 + Math.floor(next() * 1_000)]!];
    for (let term = 0; term < length; term++) topicalTerms.push(words[50 + Math.floor(next() * 2_000)]!);
    for (let term = 1; term < length; term++) mixedTerms.push(pick());
    topical.push(topicalTerms.join(' '));
    mixed.push(mixedTerms.join(' '));
  }
  return { documents, topical, mixed };
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
}

function latencyOf(times: number[]): Latency {
  times.sort((left, right) => left - right);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** The engine's own top-5 query: returns the chunk ids it read back. */
type RawQuery = (query: string) => Promise<string[]>;

interface Row {
  readonly name: string;
  readonly set: string;
  readonly dk: Latency;
  readonly raw: Latency | undefined;
  /** Share of dk's top 5 in the exact in-memory top 5. */
  readonly agreement: number | undefined;
  /** The engine's top 5 of the chunks holding the query's rarest term (see `sqliteRarestTermQuery`). */
  readonly rarest?: Latency;
}

async function time(run: () => Promise<unknown>, into: number[]): Promise<void> {
  const started = performance.now();
  await run();
  into.push((performance.now() - started) * 1000);
}

/** Times dk's adapter and the raw query on the same queries, interleaved so both see the same load. */
async function compare(
  name: string,
  adapter: IndexableSearchAdapter,
  raw: RawQuery | undefined,
  exact: Map<string, string[]> | undefined,
  set: string,
  queries: readonly string[],
  rarest?: RawQuery,
): Promise<Row> {
  for (const query of queries.slice(0, 20)) {
    await adapter.search(query, { k: 5 });
    await raw?.(query);
    await rarest?.(query);
  }
  const dkTimes: number[] = [];
  const rawTimes: number[] = [];
  const rarestTimes: number[] = [];
  let agreed = 0;
  let expected = 0;
  for (const [index, query] of queries.entries()) {
    let results: string[] = [];
    const dk = async () => {
      results = (await adapter.search(query, { k: 5 })).map((result) => result.id);
    };
    const runs: [() => Promise<unknown>, number[]][] = [[dk, dkTimes]];
    if (raw) runs.push([() => raw(query), rawTimes]);
    if (rarest) runs.push([() => rarest(query), rarestTimes]);
    // Rotate which runs first, so none always meets a cache the others warmed.
    for (let step = 0; step < runs.length; step++) {
      const [run, into] = runs[(index + step) % runs.length]!;
      await time(run, into);
    }
    const best = exact?.get(query);
    if (best !== undefined) {
      expected += best.length;
      agreed += results.filter((id) => best.includes(id)).length;
    }
  }
  return {
    name,
    set,
    dk: latencyOf(dkTimes),
    raw: raw ? latencyOf(rawTimes) : undefined,
    agreement: exact ? agreed / Math.max(1, expected) : undefined,
    ...(rarest ? { rarest: latencyOf(rarestTimes) } : {}),
  };
}

/**
 * FTS5's own top 5 of only the chunks holding the query's rarest term (ranked by that term),
 * read back like the raw query. When the other terms are common, every chunk holding the rarest
 * term and the others scores the same coverage and is told apart by its term counts and length,
 * so an exact top 5 must weigh each of them (its term counts and length): the engine ranking
 * just those chunks is about the least an exact answer costs on these tables.
 */
function sqliteRarestTermQuery(database: Database.Database, collection: string, queries: readonly string[]): RawQuery {
  // Each query's rarest term is found up front (a term's document frequency walks its whole
  // index entry, which dk keeps between searches), so only the ranking is timed.
  database.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, 'dk_search_fts', 'row')");
  const frequency = database.prepare('SELECT doc FROM temp.bench_vocab WHERE term = ?').pluck();
  const rarestTerms = new Map<string, string>();
  for (const query of queries) {
    let lowest = Infinity;
    for (const word of query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const df = (frequency.get(word) as number | undefined) ?? 0;
      if (df > 0 && df < lowest) {
        lowest = df;
        rarestTerms.set(query, word);
      }
    }
  }
  database.exec('DROP TABLE temp.bench_vocab');
  const top = sqliteRawQuery(database, collection);
  return async (query) => {
    const rarest = rarestTerms.get(query);
    return rarest === undefined ? [] : top(rarest);
  };
}

function sqliteRawQuery(database: Database.Database, collection: string): RawQuery {
  const statement = database.prepare(
    'SELECT c.chunk_id, c.content, c.metadata FROM dk_search_fts AS f JOIN dk_search_chunks AS c ON c.rowid = f.rowid ' +
      'WHERE f.dk_search_fts MATCH ? AND c.collection = ? ORDER BY f.rank LIMIT 5',
  );
  return async (query) => {
    const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (words.length === 0) return [];
    const rows = statement.all(words.map((word) => `"${word}"`).join(' OR '), collection) as {
      chunk_id: string;
      content: string;
      metadata: string;
    }[];
    const ids: string[] = [];
    for (const row of rows) {
      // Read back every result as the adapter does (its metadata parsed).
      const metadata = JSON.parse(row.metadata) as unknown;
      if (metadata !== undefined) ids.push(row.chunk_id);
    }
    return ids;
  };
}

function postgresRawQuery(pool: pg.Pool, schema: string, collection: string): RawQuery {
  const text = `SELECT chunk_id, content, metadata FROM "${schema}".dk_search_chunks,
      (SELECT array_to_string(ARRAY(SELECT quote_literal(lexeme) FROM unnest(to_tsvector('english', $1))), ' | ') AS q) AS parsed
    WHERE parsed.q <> '' AND collection = $2 AND tsv @@ parsed.q::tsquery
    ORDER BY ts_rank(tsv, parsed.q::tsquery) DESC LIMIT 5`;
  return async (query) => {
    const { rows } = await pool.query<{ chunk_id: string }>({ name: 'raw-top5', text, values: [query, collection] });
    return rows.map((row) => row.chunk_id);
  };
}

/** Runs the search suite and prints its table. */
export async function runSearchBench(): Promise<void> {
  const set = corpus();
  const rows: Row[] = [];
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const indexing: string[] = [];
  const index = async (name: string, adapter: IndexableSearchAdapter) => {
    const started = performance.now();
    const { chunks } = await adapter.index(set.documents, { chunking });
    const seconds = (performance.now() - started) / 1000;
    indexing.push(`${name}: ${chunks} chunks in ${seconds.toFixed(1)} s (${Math.round(chunks / seconds)} chunks/s)`);
    return chunks;
  };

  const memory = new InMemorySearchAdapter({ name: 'bench' });
  const chunkCount = await index('in-memory', memory);
  const exact = new Map<string, string[]>();
  for (const query of [...set.topical, ...set.mixed]) {
    exact.set(
      query,
      (await memory.search(query, { k: 5 })).map((result) => result.id),
    );
  }
  rows.push(await compare('in-memory', memory, undefined, undefined, 'topical', set.topical));
  rows.push(await compare('in-memory', memory, undefined, undefined, 'common words', set.mixed));
  await memory.close();

  if (backends.includes('sqlite')) {
    const directory = mkdtempSync(join(tmpdir(), 'dk-search-bench-'));
    try {
      const database = new Database(join(directory, 'search.db'));
      const sqlite = new SqliteSearchAdapter({ name: 'bench', database });
      await index('sqlite', sqlite);
      const raw = sqliteRawQuery(database, 'bench');
      rows.push(await compare('sqlite', sqlite, raw, exact, 'topical', set.topical));
      rows.push(
        await compare(
          'sqlite',
          sqlite,
          raw,
          exact,
          'common words',
          set.mixed,
          sqliteRarestTermQuery(database, 'bench', set.mixed),
        ),
      );
      await sqlite.close();
      database.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }

  if (backends.includes('postgres')) {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 2000 });
    const schema = `dk_bench_search_${Date.now().toString(36)}`;
    try {
      await pool.query('SELECT 1');
      const postgres = new PostgresSearchAdapter({ name: 'bench', pool, schema });
      await index('postgres', postgres);
      // Both the adapter and the raw query read a vacuumed, analysed table, as autovacuum leaves it.
      await pool.query(`VACUUM ANALYZE "${schema}".dk_search_chunks`);
      const raw = postgresRawQuery(pool, schema, 'bench');
      rows.push(await compare('postgres', postgres, raw, exact, 'topical', set.topical));
      rows.push(await compare('postgres', postgres, raw, exact, 'common words', set.mixed));
      await postgres.close();
    } catch (error) {
      print(
        `PostgreSQL skipped (${error instanceof Error ? error.message : String(error)}); set DK_BENCH_POSTGRES_URL.\n`,
      );
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pool.end();
    }
  }

  print(
    `${documentCount} documents → ${chunkCount} chunks; ${queryCount} topical and ${queryCount} common-word queries at k = 5.\n`,
  );
  print(
    '| adapter | queries | dk p50 µs | dk p99 µs | raw top-5 p50 µs | raw top-5 p99 µs | dk p50 / raw p50 | dk p99 / dk p50 | raw p99 / raw p50 | top-5 agreement with exact BM25 |',
  );
  print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    print(
      `| ${row.name} | ${row.set} | ${Math.round(row.dk.p50)} | ${Math.round(row.dk.p99)} | ` +
        `${row.raw ? Math.round(row.raw.p50) : '–'} | ${row.raw ? Math.round(row.raw.p99) : '–'} | ` +
        `${row.raw ? `${(row.dk.p50 / row.raw.p50).toFixed(2)}×` : '–'} | ${(row.dk.p99 / row.dk.p50).toFixed(1)}× | ` +
        `${row.raw ? `${(row.raw.p99 / row.raw.p50).toFixed(1)}×` : '–'} | ` +
        `${row.agreement === undefined ? '–' : row.agreement.toFixed(3)} |`,
    );
  }
  print('');
  for (const row of rows) {
    if (row.rarest === undefined) continue;
    print(
      `Floor of an exact answer, ${row.name} ${row.set}: FTS5's top 5 of only the chunks holding each query's rarest term, ` +
        `p50 ${Math.round(row.rarest.p50)} µs, p99 ${Math.round(row.rarest.p99)} µs (${(row.rarest.p99 / row.dk.p50).toFixed(1)}× dk's p50; ` +
        `dk's p99 is ${(row.dk.p99 / row.rarest.p99).toFixed(2)}× it).`,
    );
  }
  for (const line of indexing) print(`Indexing ${line}.`);
}
