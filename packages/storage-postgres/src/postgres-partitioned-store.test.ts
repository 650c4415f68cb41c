import {
  dropSchema,
  postgresTestUrl,
  randomSchemaName,
  runConversationStoreConformance,
  shouldSkipPostgres,
} from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';

// The layout a distributed PostgreSQL (Citus) would use: dk_nodes hash-partitioned by
// conversation id, every key and unique index led by conversation_id. The whole store
// conformance suite runs on it.
const skip = await shouldSkipPostgres();
const schema = randomSchemaName('dk_partitioned');
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
afterAll(async () => {
  await pool.end();
  if (!skip) await dropSchema(schema);
});

const open = () =>
  createPostgresConversationStore({
    connectionString: postgresTestUrl(),
    schema,
    maxConnections: 4,
    nodePartitions: 8,
  });

runConversationStoreConformance(
  'postgres, dk_nodes hash-partitioned by conversation (8 partitions), metadata keys indexed',
  {
    skip,
    createStore: async () => {
      const store = open();
      await store.migrate();
      await pool.query(`TRUNCATE "${schema}".dk_conversations CASCADE`);
      return store;
    },
    reopenStore: open,
  },
);

describe.skipIf(skip)('PostgresConversationStore with nodePartitions', () => {
  it('creates dk_nodes (and dk_conversation_metadata) hash-partitioned into 8 tables, every key led by conversation_id', async () => {
    const store = open();
    await store.migrate();
    const { rows: partitioned } = await pool.query<{ strategy: string; column: string }>(
      `SELECT p.partstrat AS strategy, a.attname AS column FROM pg_partitioned_table p
       JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
       WHERE p.partrelid = $1::regclass`,
      [`"${schema}".dk_nodes`],
    );
    expect(partitioned).toEqual([{ strategy: 'h', column: 'conversation_id' }]);
    const { rows: partitions } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass ORDER BY 1`,
      [`"${schema}".dk_nodes`],
    );
    expect(partitions.map((row) => row.name)).toEqual(Array.from({ length: 8 }, (_, index) => `dk_nodes_p${index}`));
    const { rows: keys } = await pool.query<{ name: string; first: string }>(
      `SELECT ic.relname AS name, a.attname AS first FROM pg_index x
       JOIN pg_class ic ON ic.oid = x.indexrelid
       JOIN pg_attribute a ON a.attrelid = x.indexrelid AND a.attnum = 1
       WHERE x.indrelid = $1::regclass AND x.indisunique ORDER BY 1`,
      [`"${schema}".dk_nodes`],
    );
    expect(keys).toEqual([
      { name: 'dk_nodes_children', first: 'conversation_id' },
      { name: 'dk_nodes_key', first: 'conversation_id' },
      { name: 'dk_nodes_pkey', first: 'conversation_id' },
    ]);

    const { rows: metadata } = await pool.query<{ partitions: string; first: string }>(
      `SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = $1::regclass) AS partitions,
         (SELECT a.attname FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indexrelid AND a.attnum = 1
          WHERE x.indrelid = $1::regclass AND x.indisprimary) AS first`,
      [`"${schema}".dk_conversation_metadata`],
    );
    expect(metadata).toEqual([{ partitions: '8', first: 'conversation_id' }]);

    // Rows of one conversation land in one partition; a lookup by id reads only that partition.
    await store.create({ id: 'routed' });
    let parentId: string | null = null;
    for (let index = 0; index < 5; index += 1) {
      parentId = (await store.appendNode({ conversationId: 'routed', parentId, node: { role: 'user', content: 'x' } }))
        .node.id;
    }
    const { rows: placed } = await pool.query<{ partition: string; count: string }>(
      `SELECT tableoid::regclass::text AS partition, count(*) AS count FROM "${schema}".dk_nodes
       WHERE conversation_id = 'routed' GROUP BY 1`,
    );
    expect(placed).toHaveLength(1);
    expect(Number(placed[0]!.count)).toBe(5);
    const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM "${schema}".dk_nodes WHERE conversation_id = 'routed' AND seq = 3`,
    );
    const scanned =
      plan
        .map((row) => row['QUERY PLAN'])
        .join('\n')
        .match(/dk_nodes_p\d+/g) ?? [];
    expect(new Set(scanned)).toEqual(new Set([placed[0]!.partition.replace(/^.*\./, '')]));
    await store.close();
  });

  it('lists by an indexed metadata key newest-first in index order, without sorting the matches', async () => {
    const store = open();
    await store.migrate();
    await pool.query(`TRUNCATE "${schema}".dk_conversations CASCADE`);
    for (let index = 0; index < 30; index += 1) {
      await store.create({ id: `l${index}`, metadata: { userId: `u${index % 3}` } });
    }
    const page = await store.list({ metadata: { userId: 'u1' }, limit: 5 });
    expect(page.items.map((item) => item.id)).toEqual(['l28', 'l25', 'l22', 'l19', 'l16']);
    await pool.query(`INSERT INTO "${schema}".dk_conversations
        (id, metadata, current_node_id, version, node_count, created_at, updated_at)
      SELECT 'bulk' || i, jsonb_build_object('userId', 'b' || (i % 1000)), NULL, 1, 0, i, i
      FROM generate_series(1, 20000) i`);
    await pool.query(`ANALYZE "${schema}".dk_conversations`);
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT c.id FROM "${schema}".dk_conversations c WHERE c.metadata -> 'userId' = '"b1"'::jsonb
         ORDER BY c.updated_at DESC, c.id DESC LIMIT 6`,
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      // Either index returns the page in order (the planner picks by its estimates): no sort of all matches.
      expect(plan, plan).toMatch(/Index Scan Backward using dk_conversations_(meta_userId_|updated_at)/);
      expect(plan).not.toMatch(/Sort/);
    } finally {
      client.release();
    }
    await store.close();
  });
});
