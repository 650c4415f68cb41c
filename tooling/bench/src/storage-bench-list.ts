// The listing part of the storage benchmark (see storage-bench.ts): selective metadata listing
// over a bulk-loaded conversation set (SQLite 100,000, PostgreSQL 1,000,000) through the store
// vs a query on an ordered (expression) index made for that key, timed in alternation.
import { join } from 'node:path';
import type { ConversationStore } from '@dk/spec';
import { createPostgresConversationStore } from '@dk/storage-postgres';
import { createSqliteConversationStore } from '@dk/storage-sqlite';
import Database from 'better-sqlite3';
import { reachablePostgresPool } from './bench-postgres.js';
import { percentile } from './bench-stats.js';
import { conversationRowColumns } from './storage-bench-baselines.js';

interface ListTiming {
  readonly p50: number;
  readonly p99: number;
  readonly ids: readonly string[];
}

/** Times `list` (50 newest first), ms; the first run is a warm-up. */
async function timeStoreList(
  store: ConversationStore,
  metadata: Record<string, string>,
  runs = 21,
): Promise<ListTiming> {
  const times: number[] = [];
  let ids: readonly string[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const page = await store.list({ metadata, sortBy: 'updatedAt', sortOrder: 'desc', limit: 50 });
    times.push(performance.now() - started);
    ids = page.items.map((item) => item.id);
  }
  const sorted = times.slice(1).sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), ids };
}

/**
 * Times `list` on `userId` and the raw query for the same page in alternation (both under the
 * same load, caches and index history), ms; the first run of each is a warm-up.
 */
async function timeListAgainstRaw(
  store: ConversationStore,
  query: () => Promise<readonly string[]> | readonly string[],
  runs = 41,
): Promise<{ store: ListTiming; raw: ListTiming }> {
  const storeTimes: number[] = [];
  const rawTimes: number[] = [];
  let storeIds: readonly string[] = [];
  let rawIds: readonly string[] = [];
  for (let run = 0; run < runs; run += 1) {
    let started = performance.now();
    const page = await store.list({ metadata: { userId: 'u123' }, sortBy: 'updatedAt', sortOrder: 'desc', limit: 50 });
    storeTimes.push(performance.now() - started);
    storeIds = page.items.map((item) => item.id);
    started = performance.now();
    rawIds = await query();
    rawTimes.push(performance.now() - started);
  }
  const summarize = (times: number[], ids: readonly string[]): ListTiming => {
    const sorted = times.slice(1).sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), ids };
  };
  return { store: summarize(storeTimes, storeIds), raw: summarize(rawTimes, rawIds) };
}

function listRow(backend: string, count: number, filter: string, store: ListTiming, raw?: ListTiming): string {
  if (raw !== undefined && raw.ids.join() !== store.ids.join()) {
    throw new Error(`${backend} ${filter}: the store's page differs from the baseline's`);
  }
  const baseline = raw === undefined ? '– | –' : `${raw.p50.toFixed(2)} | ${(store.p50 / raw.p50).toFixed(2)}×`;
  return `| ${backend} | ${count.toLocaleString('en-US')} | ${filter} | ${store.p50.toFixed(2)} | ${store.p99.toFixed(2)} | ${baseline} | ${store.ids.length} |`;
}

/** Lists over `count` conversations bulk-loaded into a SQLite file in `directory`; table rows, then a note. */
export async function listSqlite(directory: string, count: number): Promise<string[]> {
  const path = join(directory, 'list.db');
  const store = createSqliteConversationStore({ path, indexedMetadataKeys: ['userId'] });
  await store.count(); // migrates and creates the userId index before the bulk insert
  const database = new Database(path);
  // The baseline: an index made for this one key, in the requested order, created before the
  // bulk insert like the store's (the same index history).
  database.exec(
    `CREATE INDEX bench_user_updated ON dk_conversations (json_extract(metadata, '$.userId'), updated_at, id)`,
  );
  const started = performance.now();
  database.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
    INSERT INTO dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
    SELECT printf('c%07d', i),
      json_object('userId', 'u' || (i % 1000), 'tier', CASE i % 3 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE 'team' END, 'region', 'r' || (i % 7)),
      NULL, 1, 0, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + (i % 97) * 60000 FROM n`);
  database.exec('ANALYZE');
  const seeded = performance.now() - started;
  // The same page of full conversation rows, the columns the store reads.
  const ordered = database.prepare(`SELECT ${conversationRowColumns} FROM dk_conversations
    WHERE json_extract(metadata, '$.userId') = ? ORDER BY updated_at DESC, id DESC LIMIT 50`);
  const { store: selective, raw } = await timeListAgainstRaw(store, () =>
    (ordered.all('u123') as { id: string }[]).map((row) => row.id),
  );
  const broad = await timeStoreList(store, { tier: 'pro' });
  const both = await timeStoreList(store, { tier: 'pro', region: 'r3' });
  database.close();
  await store.close();
  return [
    listRow('sqlite', count, 'userId (0.1 %, indexed key)', selective, raw),
    listRow('sqlite', count, 'tier (33 %)', broad),
    listRow('sqlite', count, 'tier + region (4.8 %)', both),
    `(sqlite: seeded ${count.toLocaleString('en-US')} conversations in ${(seeded / 1000).toFixed(1)} s)`,
  ];
}

/**
 * Lists over `count` conversations bulk-loaded into `schema` (dropped afterwards); table rows, then
 * a note, or undefined when no PostgreSQL server is reachable.
 */
export async function listPostgres(schema: string, count: number): Promise<string[] | undefined> {
  const pool = await reachablePostgresPool();
  if (pool === undefined) return undefined;
  const store = createPostgresConversationStore({ pool, schema, indexedMetadataKeys: ['userId'] });
  try {
    await store.count(); // migrates and creates the userId index before the bulk insert
    // The baseline's index, created before the bulk insert like the store's.
    await pool.query(
      `CREATE INDEX bench_user_updated ON "${schema}".dk_conversations ((metadata ->> 'userId'), updated_at, id)`,
    );
    const started = performance.now();
    await pool.query(`INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
      SELECT 'c' || lpad(i::text, 7, '0'),
        jsonb_build_object('userId', 'u' || (i % 1000), 'tier', (ARRAY['free', 'pro', 'team'])[i % 3 + 1], 'region', 'r' || (i % 7)),
        NULL, 1, 0, 1700000000000 + i * 1000::bigint, 1700000000000 + i * 1000::bigint + (i % 97) * 60000
      FROM generate_series(0, ${count - 1}) i`);
    // Right after the bulk insert: statistics, but no VACUUM.
    await pool.query(`ANALYZE "${schema}".dk_conversations`);
    await pool.query(`ANALYZE "${schema}".dk_conversation_metadata`);
    const seeded = performance.now() - started;
    const { store: selective, raw } = await timeListAgainstRaw(store, async () => {
      const { rows } = await pool.query<{ id: string }>({
        name: `bench_list_${schema}`,
        text: `SELECT ${conversationRowColumns.replace('metadata', 'metadata::text AS metadata')}
          FROM "${schema}".dk_conversations WHERE metadata ->> 'userId' = $1
          ORDER BY updated_at DESC, id DESC LIMIT 50`,
        values: ['u123'],
      });
      return rows.map((row) => row.id);
    });
    const broad = await timeStoreList(store, { tier: 'pro' });
    const both = await timeStoreList(store, { tier: 'pro', region: 'r3' });
    return [
      listRow('postgres', count, 'userId (0.1 %, indexed key)', selective, raw),
      listRow('postgres', count, 'tier (33 %)', broad),
      listRow('postgres', count, 'tier + region (4.8 %)', both),
      `(postgres: seeded ${count.toLocaleString('en-US')} conversations in ${(seeded / 1000).toFixed(1)} s; timed right after the insert and ANALYZE, no VACUUM)`,
    ];
  } finally {
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}
