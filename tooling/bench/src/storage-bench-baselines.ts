// Raw-SQL baselines of the storage suite, run in the same process and on the same tables as
// the store: what a hand-written application would send for the same work.
import { nodeKey } from '@dk/storage-kysely';
import { encodeStoredNodeId, storedChildNodeId } from '@dk/storage-utils';
import type { ConversationStore } from '@dk/spec';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { percentile, random } from './bench-stats.js';

/** p50 and p99 of a latency sample, µs. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
}

/** The conversation columns the store reads for a page (a baseline returns the same rows and columns). */
export const conversationRowColumns = 'id, metadata, current_node_id, version, node_count, created_at, updated_at';

/** The ids of a linear chain of `size` nodes: `''`, `'0'`, `'0.0'`, … */
export function chainIds(size: number): string[] {
  const ids: string[] = [];
  for (let index = 0; index < size; index += 1) {
    ids.push(index === 0 ? '' : index === 1 ? '0' : `${ids[index - 1]!}.0`);
  }
  return ids;
}

/**
 * The cursor the store writes for the node at `depth` of a linear chain (`''`, `'0'`, `'0.0'`, …)
 * in its stored form (`0*N`); O(depth), for seeding. A turn-by-turn appender follows the chain
 * with `storedChildNodeId` in O(1), as the store does.
 */
export function chainCursor(depth: number): string {
  return encodeStoredNodeId(Array.from({ length: depth }, () => '0').join('.'));
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/**
 * Runs each contender's turns in alternating blocks (so all see the same load); µs per turn.
 * `shuffled` draws the order of the blocks anew each round (deterministically), so no contender
 * always runs right after the same one (and pays for its garbage or its writeback).
 */
export async function interleave<Name extends string>(
  turns: number,
  contenders: Readonly<Record<Name, () => Promise<void> | void>>,
  { shuffled = false }: { readonly shuffled?: boolean } = {},
): Promise<Record<Name, Latency>> {
  const names = Object.keys(contenders) as Name[];
  const times = new Map<Name, number[]>(names.map((name) => [name, []]));
  const block = 50;
  const warmup = Math.ceil(turns / 10);
  const next = random(15);
  for (let done = 0; done < warmup + turns; done += block) {
    const order = shuffled
      ? names
          .map((name) => ({ name, key: next() }))
          .sort((a, b) => a.key - b.key)
          .map(({ name }) => name)
      : names;
    for (const name of order) {
      const turn = contenders[name];
      for (let index = 0; index < block; index += 1) {
        const started = performance.now();
        await turn();
        if (done >= warmup) times.get(name)!.push((performance.now() - started) * 1000);
      }
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(times.get(name)!)])) as Record<Name, Latency>;
}

/** A chat turn through the store: a child of the cursor, cursor moved. Returns the appender. */
export async function storeAppender(store: ConversationStore, conversationId: string): Promise<() => Promise<void>> {
  await store.create({ id: conversationId });
  let parentId: string | null = null;
  let index = 0;
  return async () => {
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
    if (node.position !== 0 || node.parentId !== parentId) throw new Error('store append read back wrong');
    parentId = node.id;
    index += 1;
  };
}

/** A prepared INSERT of one row into a plain table of `database` (the "raw insert"). */
export function sqliteRawInsert(database: Database.Database, conversationId: string): () => void {
  database.exec(`CREATE TABLE IF NOT EXISTS bench_raw_messages (
    conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, content TEXT NOT NULL, metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (conversation_id, seq))`);
  const insertRaw = database.prepare(
    'INSERT INTO bench_raw_messages (conversation_id, seq, content, metadata, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  let rawSeq = 0;
  return () => {
    const result = insertRaw.run(
      conversationId,
      rawSeq,
      `turn ${rawSeq} with a few words of text`,
      `{"index":${rawSeq}}`,
      Date.now(),
    );
    if (result.changes !== 1) throw new Error('raw insert read back wrong');
    rawSeq += 1;
  };
}

/**
 * SQLite baselines on the store's own file (same WAL mode and `synchronous`): a single
 * prepared INSERT of one row into a plain table (the "raw insert"), and the same-shape
 * transaction written by hand (BEGIN IMMEDIATE; insert the node row; update the conversation).
 */
export function sqliteRawAppenders(database: Database.Database, conversationId: string) {
  const rawInsert = sqliteRawInsert(database, conversationId);
  database
    .prepare(
      `INSERT INTO dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
      VALUES (?, '{}', NULL, 1, 0, ?, ?)`,
    )
    .run(conversationId, Date.now(), Date.now());
  const insertNode = database.prepare(`INSERT INTO dk_nodes (conversation_id, seq, parent_seq, position, node_key, role,
    content, metadata, created_at) VALUES (?, ?, ?, 0, ?, 'user', ?, ?, ?)`);
  const update = database.prepare(`UPDATE dk_conversations SET node_count = node_count + 1, updated_at = ?,
    current_node_id = ?, version = version + 1 WHERE id = ?`);
  let seq = 0;
  let id = '';
  let cursor = '';
  const transaction = database.transaction(() => {
    const now = Date.now();
    insertNode.run(
      conversationId,
      seq,
      seq === 0 ? null : seq - 1,
      nodeKey(id),
      `turn ${seq} with a few words of text`,
      `{"index":${seq}}`,
      now,
    );
    if (update.run(now, cursor, conversationId).changes !== 1) {
      throw new Error('raw transaction read back wrong');
    }
  });
  const sameShape = () => {
    transaction.immediate();
    seq += 1;
    id = id === '' ? '0' : `${id}.0`;
    cursor = storedChildNodeId(cursor, 0);
  };
  return { rawInsert, sameShape };
}

/**
 * The PostgreSQL baseline: the same work as one append written by hand as ONE prepared
 * statement (lock the conversation, insert the node row, update the conversation) on the
 * store's tables, so the same indexes and triggers are maintained.
 */
export async function postgresSameShapeAppender(pool: pg.Pool, schema: string, conversationId: string) {
  await pool.query(
    `INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
     VALUES ($1, '{}', NULL, 1, 0, $2, $2)`,
    [conversationId, Date.now()],
  );
  const text = `WITH c AS (SELECT node_count FROM "${schema}".dk_conversations WHERE id = $1 FOR UPDATE),
    inserted AS (INSERT INTO "${schema}".dk_nodes (conversation_id, seq, parent_seq, position, node_key, role, content,
        metadata, created_at)
      SELECT $1, c.node_count, nullif(c.node_count - 1, -1), 0, $2, 'user', $3, $4::jsonb, $5 FROM c RETURNING seq)
    UPDATE "${schema}".dk_conversations SET node_count = node_count + 1, updated_at = $5, current_node_id = $6,
      version = version + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM inserted)`;
  let seq = 0;
  let id = '';
  let cursor = '';
  return async () => {
    const result = await pool.query({
      name: `bench_same_shape_${schema}`,
      text,
      values: [
        conversationId,
        nodeKey(id),
        `turn ${seq} with a few words of text`,
        `{"index":${seq}}`,
        Date.now(),
        cursor,
      ],
    });
    if (result.rowCount !== 1) throw new Error('same-shape statement read back wrong');
    seq += 1;
    id = id === '' ? '0' : `${id}.0`;
    cursor = storedChildNodeId(cursor, 0);
  };
}
