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

runConversationStoreConformance('postgres, dk_nodes hash-partitioned by conversation (8 partitions)', {
  skip,
  createStore: async () => {
    const store = open();
    await store.migrate();
    await pool.query(`TRUNCATE "${schema}".dk_conversations CASCADE`);
    return store;
  },
  reopenStore: open,
});

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
});
