// Storage benchmark: append latency at 10 / 1,000 / 10,000 nodes (memory, SQLite, PostgreSQL),
// loading the active path of a 10,000-node conversation, and listing with a metadata filter
// over 100,000 conversations (SQLite) and 1,000,000 (PostgreSQL). Ratios compare each size
// with the 10-node case of the same backend, run in the same process.
//
// Large conversations and conversation sets are bulk-loaded with SQL straight into the
// stores' tables (the timed operations all go through the store API).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConversationStore } from '@dk/spec';
import { nodeKey } from '@dk/storage-kysely';
import { createMemoryConversationStore } from '@dk/storage-memory';
import { createPostgresConversationStore } from '@dk/storage-postgres';
import { createSqliteConversationStore } from '@dk/storage-sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { percentile } from './bench-stats.js';

const sizes = [10, 1_000, 10_000] as const;
const postgresUrl = process.env['DK_BENCH_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

interface Backend {
  readonly name: string;
  readonly store: ConversationStore;
  /** Appends this many timed turns per size. */
  readonly appends: number;
  /** Creates a linear conversation of `size` nodes with the cursor on its last node. */
  readonly seedChain: (conversationId: string, size: number) => Promise<string>;
  readonly dispose: () => Promise<void>;
}

function chainIds(size: number): string[] {
  const ids: string[] = [];
  for (let index = 0; index < size; index += 1) {
    ids.push(index === 0 ? '' : index === 1 ? '0' : `${ids[index - 1]!}.0`);
  }
  return ids;
}

async function seedChainThroughStore(store: ConversationStore, conversationId: string, size: number): Promise<string> {
  let parentId: string | null = null;
  for (let index = 0; index < size; index += 1) {
    const { node }: { node: { id: string } } = await store.appendNode({
      conversationId,
      parentId,
      node: { role: index % 2 === 0 ? 'user' : 'assistant', content: `message ${index} lorem ipsum dolor` },
      moveCursor: true,
    });
    parentId = node.id;
  }
  return parentId!;
}

async function memoryBackend(): Promise<Backend> {
  const store = createMemoryConversationStore();
  return {
    name: 'memory',
    store,
    appends: 5000,
    seedChain: async (conversationId, size) => {
      await store.create({ id: conversationId });
      return seedChainThroughStore(store, conversationId, size);
    },
    dispose: () => store.close(),
  };
}

async function sqliteBackend(directory: string): Promise<Backend> {
  const path = join(directory, 'bench.db');
  const store = createSqliteConversationStore({ path });
  await store.migrate();
  return {
    name: 'sqlite',
    store,
    appends: 500,
    seedChain: async (conversationId, size) => {
      await store.create({ id: conversationId });
      const ids = chainIds(size);
      const database = new Database(path);
      database.pragma('busy_timeout = 5000');
      const insert = database.prepare(
        `INSERT INTO dk_nodes (conversation_id, seq, parent_seq, position, node_key, role, content, metadata, created_at)
         VALUES (?, ?, ?, 0, ?, ?, ?, '{}', ?)`,
      );
      const now = Date.now();
      database.transaction(() => {
        ids.forEach((id, index) => {
          insert.run(
            conversationId,
            index,
            index === 0 ? null : index - 1,
            nodeKey(id),
            index % 2 === 0 ? 'user' : 'assistant',
            `message ${index} lorem ipsum dolor`,
            now,
          );
        });
        database
          .prepare(
            'UPDATE dk_conversations SET node_count = ?, current_node_id = ?, version = version + 1 WHERE id = ?',
          )
          .run(size, ids.at(-1)!, conversationId);
      })();
      database.close();
      return ids.at(-1)!;
    },
    dispose: () => store.close(),
  };
}

async function postgresBackend(schema: string): Promise<Backend | undefined> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4, connectionTimeoutMillis: 2000 });
  try {
    await pool.query('SELECT 1');
  } catch {
    await pool.end();
    return undefined;
  }
  const store = createPostgresConversationStore({ pool, schema });
  await store.migrate();
  return {
    name: 'postgres',
    store,
    appends: 300,
    seedChain: async (conversationId, size) => {
      await store.create({ id: conversationId });
      const ids = chainIds(size);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO "${schema}".dk_nodes (conversation_id, seq, parent_seq, position, node_key, role, content, metadata, created_at)
           SELECT $1, g, CASE WHEN g = 0 THEN NULL ELSE g - 1 END, 0, decode(($2::text[])[g + 1], 'hex'),
             CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, 'message ' || g || ' lorem ipsum dolor', '{}'::jsonb, $3::bigint
           FROM generate_series(0, $4::int - 1) g`,
          [conversationId, ids.map((id) => nodeKey(id).toString('hex')), Date.now(), size],
        );
        await client.query(
          `UPDATE "${schema}".dk_conversations SET node_count = $1, current_node_id = $2, version = version + 1 WHERE id = $3`,
          [size, ids.at(-1)!, conversationId],
        );
        await client.query('COMMIT');
        await client.query(`ANALYZE "${schema}".dk_nodes`);
      } finally {
        client.release();
      }
      return ids.at(-1)!;
    },
    dispose: async () => {
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

async function appendLatencies(backend: Backend, size: number): Promise<{ p50: number; p99: number }> {
  const { store } = backend;
  // A turn appends a child of the cursor and moves the cursor onto it, as a chat does. Small
  // sizes spread the turns over several conversations so each stays near its nominal size.
  const conversations = size <= 10 ? 25 : size <= 1_000 ? 3 : 1;
  const warmup = Math.ceil(backend.appends / 10);
  const perConversation = Math.ceil((warmup + backend.appends) / conversations);
  const latencies: number[] = [];
  for (let conversation = 0; conversation < conversations; conversation += 1) {
    const conversationId = `append-${size}-${conversation}`;
    let parentId = await backend.seedChain(conversationId, size);
    for (let index = 0; index < perConversation; index += 1) {
      const started = performance.now();
      const { node } = await store.appendNode({
        conversationId,
        parentId,
        node: {
          role: index % 2 === 0 ? 'user' : 'assistant',
          content: `turn ${index} with a few words of text`,
          metadata: { index },
        },
        moveCursor: true,
      });
      latencies.push((performance.now() - started) * 1000);
      parentId = node.id;
    }
  }
  const timed = latencies.slice(warmup).sort((a, b) => a - b);
  return { p50: percentile(timed, 0.5), p99: percentile(timed, 0.99) };
}

async function pathLoad(backend: Backend): Promise<number> {
  const conversationId = 'path-10000';
  const tail = await backend.seedChain(conversationId, 10_000);
  const times: number[] = [];
  for (let run = 0; run < 7; run += 1) {
    const started = performance.now();
    const path = await backend.store.getPath({ conversationId, nodeId: tail });
    if (path.length !== 10_000) throw new Error(`expected a 10,000-node path, got ${path.length}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 0.5);
}

async function timeList(
  store: ConversationStore,
  metadata: Record<string, string>,
  runs = 21,
): Promise<{ p50: number; p99: number; items: number }> {
  const times: number[] = [];
  let items = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const page = await store.list({ metadata, sortBy: 'updatedAt', sortOrder: 'desc', limit: 50 });
    times.push(performance.now() - started);
    items = page.items.length;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times.slice(1), 0.5), p99: percentile(times.slice(1), 0.99), items };
}

async function listSqlite(directory: string, count: number): Promise<string[]> {
  const path = join(directory, 'list.db');
  const store = createSqliteConversationStore({ path });
  await store.migrate();
  const database = new Database(path);
  const started = performance.now();
  database.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
    INSERT INTO dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
    SELECT printf('c%07d', i),
      json_object('userId', 'u' || (i % 1000), 'tier', CASE i % 3 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE 'team' END, 'region', 'r' || (i % 7)),
      NULL, 1, 0, 1700000000000 + i * 1000, 1700000000000 + i * 1000 + (i % 97) * 60000 FROM n`);
  database.exec('ANALYZE');
  database.close();
  const seeded = performance.now() - started;
  const selective = await timeList(store, { userId: 'u123' });
  const broad = await timeList(store, { tier: 'pro' });
  const both = await timeList(store, { tier: 'pro', region: 'r3' });
  await store.close();
  return [
    `| sqlite | ${count.toLocaleString('en-US')} | userId (0.1 %) | ${selective.p50.toFixed(2)} | ${selective.p99.toFixed(2)} | ${selective.items} |`,
    `| sqlite | ${count.toLocaleString('en-US')} | tier (33 %) | ${broad.p50.toFixed(2)} | ${broad.p99.toFixed(2)} | ${broad.items} |`,
    `| sqlite | ${count.toLocaleString('en-US')} | tier + region (4.8 %) | ${both.p50.toFixed(2)} | ${both.p99.toFixed(2)} | ${both.items} |`,
    `(sqlite: seeded ${count.toLocaleString('en-US')} conversations in ${(seeded / 1000).toFixed(1)} s)`,
  ];
}

async function listPostgres(schema: string, count: number): Promise<string[] | undefined> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4, connectionTimeoutMillis: 2000 });
  try {
    await pool.query('SELECT 1');
  } catch {
    await pool.end();
    return undefined;
  }
  const store = createPostgresConversationStore({ pool, schema });
  try {
    await store.migrate();
    const started = performance.now();
    await pool.query(`INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
      SELECT 'c' || lpad(i::text, 7, '0'),
        jsonb_build_object('userId', 'u' || (i % 1000), 'tier', (ARRAY['free', 'pro', 'team'])[i % 3 + 1], 'region', 'r' || (i % 7)),
        NULL, 1, 0, 1700000000000 + i * 1000::bigint, 1700000000000 + i * 1000::bigint + (i % 97) * 60000
      FROM generate_series(0, ${count - 1}) i`);
    await pool.query(`VACUUM ANALYZE "${schema}".dk_conversations`);
    const seeded = performance.now() - started;
    const selective = await timeList(store, { userId: 'u123' });
    const broad = await timeList(store, { tier: 'pro' });
    const both = await timeList(store, { tier: 'pro', region: 'r3' });
    return [
      `| postgres | ${count.toLocaleString('en-US')} | userId (0.1 %) | ${selective.p50.toFixed(2)} | ${selective.p99.toFixed(2)} | ${selective.items} |`,
      `| postgres | ${count.toLocaleString('en-US')} | tier (33 %) | ${broad.p50.toFixed(2)} | ${broad.p99.toFixed(2)} | ${broad.items} |`,
      `| postgres | ${count.toLocaleString('en-US')} | tier + region (4.8 %) | ${both.p50.toFixed(2)} | ${both.p99.toFixed(2)} | ${both.items} |`,
      `(postgres: seeded ${count.toLocaleString('en-US')} conversations in ${(seeded / 1000).toFixed(1)} s)`,
    ];
  } finally {
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

/** Runs the storage suite and prints its tables. */
export async function runStorageBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dk-bench-storage-'));
  const run = randomBytes(4).toString('hex');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const backends = [await memoryBackend(), await sqliteBackend(directory), await postgresBackend(`dk_bench_${run}`)];
    print(
      'Append latency (one turn: a child of the cursor, cursor moved) in linear conversations of the given size, µs:\n',
    );
    print('| backend | nodes | p50 µs | p99 µs | p50 ratio vs 10 nodes |');
    print('|---|---:|---:|---:|---:|');
    const paths: string[] = [];
    for (const backend of backends) {
      if (backend === undefined) {
        print('| postgres | – | skipped: server unreachable | | |');
        continue;
      }
      let baseline = 0;
      for (const size of sizes) {
        const { p50, p99 } = await appendLatencies(backend, size);
        if (size === 10) baseline = p50;
        print(
          `| ${backend.name} | ${size.toLocaleString('en-US')} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${(p50 / baseline).toFixed(2)}× |`,
        );
      }
      paths.push(`| ${backend.name} | ${(await pathLoad(backend)).toFixed(1)} |`);
      await backend.dispose();
    }
    print('\nLoading the active path (root → cursor) of a 10,000-node conversation, median ms:\n');
    print('| backend | ms |');
    print('|---|---:|');
    for (const line of paths) print(line);
    print('\nList with a metadata filter (limit 50, newest first), ms — goal under 50 ms:\n');
    print('| backend | conversations | filter (share matching) | p50 ms | p99 ms | items |');
    print('|---|---:|---|---:|---:|---:|');
    const notes: string[] = [];
    const emit = (line: string) => {
      if (line.startsWith('|')) print(line);
      else notes.push(line);
    };
    for (const line of await listSqlite(directory, 100_000)) emit(line);
    const postgres = await listPostgres(`dk_bench_list_${run}`, 1_000_000);
    if (postgres === undefined) print('| postgres | 1,000,000 | skipped: server unreachable | | | |');
    else for (const line of postgres) emit(line);
    print('');
    for (const note of notes) print(note);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
