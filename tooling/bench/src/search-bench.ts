// Search benchmark: ingest 10,000 chunks (1,000 documents of 10 paragraphs, chunked by
// paragraph) into the in-memory, SQLite FTS5 and PostgreSQL full-text adapters, then time
// keyword queries at k = 5 on each: 300 topical queries (words of mid and low frequency,
// what stop-word removal leaves of a question) and 300 that also contain the corpus's most
// frequent words (which occur in most chunks and so make every candidate set large). Throughput is chunks per second of `index()`;
// latency is per `search()` call. Ratios compare each adapter with the in-memory adapter,
// run in the same process on the same corpus and queries. Run: `pnpm bench search`.
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
import pg from 'pg';
import { percentile, random } from './bench-stats.js';

const postgresUrl = process.env['DK_BENCH_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const documentCount = 1_000;
const paragraphsPerDocument = 10;
const queryCount = 300;
const chunking = { maxChars: 500, overlapChars: 40 };

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

interface Row {
  readonly name: string;
  readonly chunks: number;
  readonly chunksPerSecond: number;
  readonly topical: Latency;
  readonly mixed: Latency;
}

async function latency(adapter: IndexableSearchAdapter, queries: readonly string[]): Promise<Latency> {
  // Warm caches and statement plans before timing.
  for (const query of queries.slice(0, 20)) await adapter.search(query, { k: 5 });
  const times: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await adapter.search(query, { k: 5 });
    times.push((performance.now() - started) * 1000);
  }
  times.sort((left, right) => left - right);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function measure(name: string, adapter: IndexableSearchAdapter, set: ReturnType<typeof corpus>): Promise<Row> {
  const started = performance.now();
  const { chunks } = await adapter.index(set.documents, { chunking });
  const seconds = (performance.now() - started) / 1000;
  return {
    name,
    chunks,
    chunksPerSecond: chunks / seconds,
    topical: await latency(adapter, set.topical),
    mixed: await latency(adapter, set.mixed),
  };
}

/** Runs the search suite and prints its table. */
export async function runSearchBench(): Promise<void> {
  const set = corpus();
  const rows: Row[] = [];
  rows.push(await measure('in-memory', new InMemorySearchAdapter({ name: 'bench' }), set));

  const directory = mkdtempSync(join(tmpdir(), 'dk-search-bench-'));
  try {
    const sqlite = new SqliteSearchAdapter({ name: 'bench', path: join(directory, 'search.db') });
    rows.push(await measure('sqlite', sqlite, set));
    await sqlite.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 2000 });
  const schema = `dk_bench_search_${Date.now().toString(36)}`;
  try {
    await pool.query('SELECT 1');
    const postgres = new PostgresSearchAdapter({ name: 'bench', pool, schema });
    rows.push(await measure('postgres', postgres, set));
    await postgres.close();
  } catch (error) {
    process.stdout.write(
      `PostgreSQL skipped (${error instanceof Error ? error.message : String(error)}); set DK_BENCH_POSTGRES_URL.\n\n`,
    );
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }

  const baseline = rows[0]!;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(
    `${documentCount} documents → ${baseline.chunks} chunks; ${queryCount} topical and ${queryCount} mixed queries at k = 5.\n`,
  );
  print(
    '| adapter | index chunks/s | index time vs in-memory | topical p50 µs | topical p99 µs | mixed p50 µs | mixed p99 µs | topical p50 vs in-memory |',
  );
  print('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    print(
      `| ${row.name} | ${Math.round(row.chunksPerSecond)} | ${(baseline.chunksPerSecond / row.chunksPerSecond).toFixed(1)}× | ` +
        `${Math.round(row.topical.p50)} | ${Math.round(row.topical.p99)} | ${Math.round(row.mixed.p50)} | ${Math.round(row.mixed.p99)} | ` +
        `${(row.topical.p50 / baseline.topical.p50).toFixed(1)}× |`,
    );
  }
}
