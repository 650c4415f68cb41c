// Storage benchmark, every store figure next to a raw-SQL baseline from the same run (ratio
// printed, every result read back): appends (SQLite vs a raw insert and a same-shape
// transaction at the same durability, and the store on an in-memory database, which shows what
// the append's own work costs without any I/O; PostgreSQL vs a same-shape single prepared statement),
// append latency at 10 / 1,000 / 10,000 nodes (memory, SQLite, PostgreSQL), resuming a
// 10,000-node conversation (get + the 10,000-node active path) vs a raw select of the same rows,
// and selective metadata listing over 100,000 conversations (SQLite) / 1,000,000 (PostgreSQL)
// vs a query on an ordered (expression) index made for that key.
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
import { reachablePostgresPool } from './bench-postgres.js';
import { median, percentile } from './bench-stats.js';
import {
  chainCursor,
  chainIds,
  conversationRowColumns,
  interleave,
  postgresSameShapeAppender,
  sqliteRawAppenders,
  sqliteRawInsert,
  storeAppender,
} from './storage-bench-baselines.js';
import type { Latency } from './storage-bench-baselines.js';
import { listPostgres, listSqlite } from './storage-bench-list.js';

const sizes = [10, 1_000, 10_000] as const;

interface Backend {
  readonly name: string;
  readonly store: ConversationStore;
  /** Appends this many timed turns per size. */
  readonly appends: number;
  /** Creates a linear conversation of `size` nodes with the cursor on its last node. */
  readonly seedChain: (conversationId: string, size: number) => Promise<string>;
  /** The raw select of a conversation row and all its node rows in order (none for memory); returns the rows. */
  readonly rawResume?: (conversationId: string) => Promise<readonly { content: string }[]>;
  readonly dispose: () => Promise<void>;
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
  let reader: { conversation: Database.Statement; nodes: Database.Statement; close: () => void } | undefined;
  return {
    name: 'sqlite',
    store,
    appends: 500,
    rawResume: async (conversationId) => {
      if (reader === undefined) {
        const database = new Database(path, { readonly: true });
        reader = {
          conversation: database.prepare(`SELECT ${conversationRowColumns} FROM dk_conversations WHERE id = ?`),
          nodes: database.prepare(`SELECT seq, parent_seq, position, role, content, name, tool_call_id, tool_calls,
            metadata, prompt_name, branch_name, created_at FROM dk_nodes WHERE conversation_id = ? ORDER BY seq`),
          close: () => database.close(),
        };
      }
      if (reader.conversation.get(conversationId) === undefined) throw new Error('raw resume found no conversation');
      return reader.nodes.all(conversationId) as { content: string }[];
    },
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
          .run(size, chainCursor(size - 1), conversationId);
      })();
      database.close();
      return ids.at(-1)!;
    },
    dispose: async () => {
      reader?.close();
      await store.close();
    },
  };
}

async function postgresBackend(schema: string): Promise<Backend | undefined> {
  const pool = await reachablePostgresPool();
  if (pool === undefined) return undefined;
  const store = createPostgresConversationStore({ pool, schema });
  await store.migrate();
  return {
    name: 'postgres',
    store,
    appends: 300,
    rawResume: async (conversationId) => {
      const conversation = await pool.query({
        name: `bench_resume_conversation_${schema}`,
        text: `SELECT ${conversationRowColumns.replace('metadata', 'metadata::text AS metadata')}
          FROM "${schema}".dk_conversations WHERE id = $1`,
        values: [conversationId],
      });
      if (conversation.rowCount !== 1) throw new Error('raw resume found no conversation');
      const { rows } = await pool.query<{ content: string }>({
        name: `bench_resume_nodes_${schema}`,
        text: `SELECT seq, parent_seq, position, role, content, name, tool_call_id, tool_calls::text, metadata::text,
            prompt_name, branch_name, created_at FROM "${schema}".dk_nodes WHERE conversation_id = $1 ORDER BY seq`,
        values: [conversationId],
      });
      return rows;
    },
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
          [size, chainCursor(size - 1), conversationId],
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

/**
 * Resuming a 10,000-node linear conversation as `ConversationManager.resume` does it (`get`,
 * then the path root → cursor: all 10,000 nodes) vs the raw select of the same rows; medians
 * of 20 interleaved runs after a warm-up, ms.
 */
async function resume(backend: Backend): Promise<{ store: number; raw: number | undefined }> {
  const conversationId = 'resume-10000';
  await backend.seedChain(conversationId, 10_000);
  const storeTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let run = 0; run < 21; run += 1) {
    let started = performance.now();
    const record = await backend.store.get({ conversationId });
    const path = await backend.store.getPath({ conversationId, nodeId: record!.currentNodeId! });
    storeTimes.push(performance.now() - started);
    if (path.length !== 10_000 || path[9_999]!.content !== 'message 9999 lorem ipsum dolor') {
      throw new Error(`store resume read back ${path.length} nodes`);
    }
    if (backend.rawResume === undefined) continue;
    started = performance.now();
    const rows = await backend.rawResume(conversationId);
    rawTimes.push(performance.now() - started);
    if (rows.length !== 10_000 || rows[9_999]!.content !== 'message 9999 lorem ipsum dolor') {
      throw new Error(`raw resume read back ${rows.length} rows`);
    }
  }
  return { store: median(storeTimes.slice(1)), raw: rawTimes.length === 0 ? undefined : median(rawTimes.slice(1)) };
}

function ratioRow(name: string, store: Latency, baseline: string, raw: Latency): string {
  return `| ${name} | ${store.p50.toFixed(0)} | ${store.p99.toFixed(0)} | ${baseline} | ${raw.p50.toFixed(0)} | ${raw.p99.toFixed(0)} | ${(store.p50 / raw.p50).toFixed(2)}× | ${(store.p99 / raw.p99).toFixed(2)}× | ${(store.p99 / store.p50).toFixed(1)}× |`;
}

/** Appends through the store vs raw SQL on the same database, interleaved in blocks; table rows. */
async function appendBaselines(directory: string, schema: string): Promise<string[]> {
  const lines: string[] = [];
  const path = join(directory, 'append.db');
  const sqlite = createSqliteConversationStore({ path });
  await sqlite.migrate();
  const database = new Database(path);
  database.pragma('synchronous = NORMAL'); // the store's durability (WAL, NORMAL)
  const raw = sqliteRawAppenders(database, 'raw-shape');
  // The append's own work without I/O: the same store on an in-memory database (no file at
  // all), next to the raw insert on the file and on an in-memory database of its own.
  const inMemory = createSqliteConversationStore({ path: ':memory:' });
  const rawMemoryDatabase = new Database(':memory:');
  try {
    await inMemory.migrate();
    const sqliteResult = await interleave(
      2000,
      {
        store: await storeAppender(sqlite, 'store-append'),
        rawInsert: raw.rawInsert,
        sameShape: raw.sameShape,
        inMemory: await storeAppender(inMemory, 'store-append'),
        rawInMemory: sqliteRawInsert(rawMemoryDatabase, 'raw-shape'),
      },
      { shuffled: true },
    );
    const { store, rawInsert, sameShape, inMemory: memoryStore, rawInMemory } = sqliteResult;
    lines.push(ratioRow('sqlite', store, 'raw INSERT of one row', rawInsert));
    lines.push(ratioRow('sqlite', store, 'same-shape transaction', sameShape));
    lines.push(ratioRow('sqlite, in-memory database', memoryStore, 'raw INSERT of one row (file)', rawInsert));
    lines.push(ratioRow('sqlite, in-memory database', memoryStore, 'raw INSERT of one row (in memory)', rawInMemory));
  } finally {
    database.close();
    rawMemoryDatabase.close();
    await sqlite.close();
    await inMemory.close();
  }
  const pool = await reachablePostgresPool();
  if (pool === undefined) {
    lines.push('| postgres | skipped: server unreachable | | | | | | | |');
    return lines;
  }
  const postgres = createPostgresConversationStore({ pool, schema });
  try {
    await postgres.migrate();
    const result = await interleave(1000, {
      store: await storeAppender(postgres, 'store-append'),
      sameShape: await postgresSameShapeAppender(pool, schema, 'raw-shape'),
    });
    lines.push(ratioRow('postgres', result.store, 'same-shape single prepared statement', result.sameShape));
  } finally {
    await postgres.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
  return lines;
}

/** Runs the storage suite and prints its tables. */
export async function runStorageBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dk-bench-storage-'));
  const run = randomBytes(4).toString('hex');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    print('Append (one turn: a child of the cursor, cursor moved) vs raw SQL on the same database, µs, interleaved:\n');
    print(
      '| backend | store p50 | store p99 | baseline | baseline p50 | baseline p99 | p50 ratio | p99 ratio | store p99/p50 |',
    );
    print('|---|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const line of await appendBaselines(directory, `dk_bench_append_${run}`)) print(line);

    const backends = [await memoryBackend(), await sqliteBackend(directory), await postgresBackend(`dk_bench_${run}`)];
    print(
      '\nAppend latency (one turn: a child of the cursor, cursor moved) in linear conversations of the given size, µs:\n',
    );
    print('| backend | nodes | p50 µs | p99 µs | p50 ratio vs 10 nodes |');
    print('|---|---:|---:|---:|---:|');
    const resumes: string[] = [];
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
      const { store, raw } = await resume(backend);
      resumes.push(
        `| ${backend.name} | ${store.toFixed(1)} | ${raw === undefined ? '–' : raw.toFixed(1)} | ${raw === undefined ? '–' : `${(store / raw).toFixed(2)}×`} |`,
      );
      await backend.dispose();
    }
    print(
      '\nResume a 10,000-node conversation (get + the 10,000-node active path) vs a raw select of the same rows,\n' +
        'median of 20 interleaved runs, ms. ' +
        'The baseline reads the conversation row and the node rows with the columns the store reads, in order, as\n' +
        'prepared statements, and returns the driver rows; the store also builds its nodes (ids, parsed JSON, dates):\n',
    );
    print('| backend | store ms | raw select ms | ratio |');
    print('|---|---:|---:|---:|');
    for (const line of resumes) print(line);
    print(
      '\nList with a metadata filter (limit 50, newest first) vs a query on an ordered index for that key, ms.\n' +
        'The baseline returns the same page of full conversation rows (the columns the store reads), as a prepared\n' +
        'statement on an index created before the bulk insert like the store index, timed in alternation with the store;\n' +
        'the store also builds its records (parsed metadata, dates) and the next-page cursor:\n',
    );
    print(
      '| backend | conversations | filter (share matching) | store p50 | store p99 | ordered-index p50 | ratio | items |',
    );
    print('|---|---:|---|---:|---:|---:|---:|---:|');
    const notes: string[] = [];
    const emit = (line: string) => {
      if (line.startsWith('|')) print(line);
      else notes.push(line);
    };
    for (const line of await listSqlite(directory, 100_000)) emit(line);
    const postgres = await listPostgres(`dk_bench_list_${run}`, 1_000_000);
    if (postgres === undefined) print('| postgres | 1,000,000 | skipped: server unreachable | | | | | |');
    else for (const line of postgres) emit(line);
    print('');
    for (const note of notes) print(note);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
