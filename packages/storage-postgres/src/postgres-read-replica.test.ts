// The read pool: reads that tolerate lag go to a replica, reads of a conversation this store
// wrote recently go to the primary. The "replica" is a second real database on the same
// server holding a copy of the store's schema taken when the test says (`replicate()` copies
// every row), so a lagging replica is simulated exactly: what is tested is which reads see the
// primary and which the replica, not PostgreSQL's streaming replication itself.
import { randomBytes } from 'node:crypto';
import { StoreSettingsError } from '@dk/storage-kysely';
import { postgresTestUrl, runConversationStoreConformance, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresConversationStore } from './postgres-conversation-store.js';

const skip = await shouldSkipPostgres();
const suffix = randomBytes(5).toString('hex');
const schema = `dk_replica_${suffix}`;
const replicaDatabase = `dk_replica_db_${suffix}`;
const primaryUrl = postgresTestUrl();
const replicaUrl = (() => {
  const url = new URL(primaryUrl);
  url.pathname = `/${replicaDatabase}`;
  return url.toString();
})();

/** Copies every row of the store's schema from the primary to the replica database (one replication step). */
async function replicate(primary: pg.Pool, replica: pg.Pool): Promise<void> {
  const { rows: tables } = await primary.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schema],
  );
  const client = await replica.connect();
  try {
    await client.query('BEGIN');
    // As a replica applies changes: without firing foreign-key triggers row by row.
    await client.query(`SET LOCAL session_replication_role = replica`);
    for (const { table_name: table } of tables) {
      const { rows: columns } = await primary.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
        [schema, table],
      );
      const list = columns.map((column) => `"${column.column_name}"`).join(', ');
      // Rows as JSON made by the server, so every type (bytea node keys included) round-trips as text.
      const { rows } = await primary.query<{ rows: string }>(
        `SELECT coalesce(json_agg(t), '[]')::text AS rows FROM (SELECT ${list} FROM "${schema}"."${table}") t`,
      );
      await client.query(`DELETE FROM "${schema}"."${table}"`);
      await client.query(
        `INSERT INTO "${schema}"."${table}" (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM json_populate_recordset(null::"${schema}"."${table}", $1)`,
        [rows[0]!.rows],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

describe.skipIf(skip)('PostgresConversationStore with a read replica', () => {
  let admin: pg.Client;
  let primaryPool: pg.Pool;
  let replicaPool: pg.Pool;
  let writer: PostgresConversationStore;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: primaryUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${replicaDatabase}`);
    primaryPool = new pg.Pool({ connectionString: primaryUrl, max: 2 });
    replicaPool = new pg.Pool({ connectionString: replicaUrl, max: 2 });
    // Another app server, writing on the primary.
    writer = new PostgresConversationStore({ connectionString: primaryUrl, schema, maxConnections: 2 });
    await writer.migrate();
    // The replica gets the schema from the primary (as replication of the DDL would).
    const replicaSchema = new PostgresConversationStore({ pool: replicaPool, schema });
    await replicaSchema.migrate();
  });
  afterAll(async () => {
    await writer?.close();
    await primaryPool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await primaryPool?.end();
    await replicaPool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${replicaDatabase} WITH (FORCE)`);
    await admin?.end();
  });

  it('reads from the replica, except a conversation it wrote within readYourWritesMs', async () => {
    await writer.create({ id: 'c1' });
    const one = await writer.appendNode({
      conversationId: 'c1',
      parentId: null,
      node: { role: 'user', content: 'one' },
    });
    await replicate(primaryPool, replicaPool);
    // Not replicated yet: a second node of c1, and a new conversation c2.
    const two = await writer.appendNode({
      conversationId: 'c1',
      parentId: one.node.id,
      node: { role: 'assistant', content: 'two' },
      moveCursor: true,
    });
    await writer.create({ id: 'c2' });

    const store = new PostgresConversationStore({
      connectionString: primaryUrl,
      readConnectionString: replicaUrl,
      schema,
      maxConnections: 2,
      readYourWritesMs: 600,
    });
    try {
      const contents = async (): Promise<string[]> =>
        ((await store.load({ conversationId: 'c1' }))?.nodes ?? []).map((node) => node.content);
      // Written elsewhere: read from the replica, one step behind.
      expect(await contents()).toEqual(['one']);
      expect(await store.get({ conversationId: 'c2' })).toBeUndefined();
      expect((await store.list()).items.map((record) => record.id)).toEqual(['c1']);
      expect(await store.count()).toBe(1);

      // This store writes c1 (on the primary): its reads of c1 now see every write.
      const three = await store.appendNode({
        conversationId: 'c1',
        parentId: two.node.id,
        node: { role: 'user', content: 'three' },
        moveCursor: true,
        expectedVersion: two.conversation.version,
      });
      expect(await contents()).toEqual(['one', 'two', 'three']);
      expect((await store.get({ conversationId: 'c1' }))?.version).toBe(three.conversation.version);
      expect(
        (await store.getPath({ conversationId: 'c1', nodeId: three.node.id })).map((node) => node.content),
      ).toEqual(['one', 'two', 'three']);
      expect((await store.getChildren({ conversationId: 'c1', nodeId: two.node.id })).length).toBe(1);
      // Other conversations still come from the replica.
      expect(await store.get({ conversationId: 'c2' })).toBeUndefined();

      // After the window, c1 is read from the replica again (still behind)…
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await contents()).toEqual(['one']);
      // …until it catches up.
      await replicate(primaryPool, replicaPool);
      expect(await contents()).toEqual(['one', 'two', 'three']);
      expect(await store.get({ conversationId: 'c2' })).toMatchObject({ id: 'c2' });
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('never loses a write to a stale read: the version check runs on the primary', async () => {
    await writer.create({ id: 'c3' });
    const first = await writer.appendNode({
      conversationId: 'c3',
      parentId: null,
      node: { role: 'user', content: 'first' },
      moveCursor: true,
    });
    await replicate(primaryPool, replicaPool);
    await writer.appendNode({
      conversationId: 'c3',
      parentId: first.node.id,
      node: { role: 'assistant', content: 'elsewhere' },
      moveCursor: true,
      expectedVersion: first.conversation.version,
    });
    const store = new PostgresConversationStore({ connectionString: primaryUrl, readPool: replicaPool, schema });
    try {
      const stale = await store.get({ conversationId: 'c3' });
      expect(stale?.version).toBe(first.conversation.version);
      await expect(
        store.appendNode({
          conversationId: 'c3',
          parentId: first.node.id,
          node: { role: 'assistant', content: 'here' },
          moveCursor: true,
          expectedVersion: stale!.version,
        }),
      ).rejects.toMatchObject({ name: 'ConversationConflictError' });
      // The conflict was a write: c3 is now read from the primary, with the other server's node.
      expect((await store.load({ conversationId: 'c3' }))?.nodes.map((node) => node.content)).toEqual([
        'first',
        'elsewhere',
      ]);
    } finally {
      await store.close();
    }
    // The application's replica pool is not ended by the store.
    expect((await replicaPool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('refuses both a read connection string and a read pool', () => {
    expect(
      () =>
        new PostgresConversationStore({
          connectionString: primaryUrl,
          readConnectionString: replicaUrl,
          readPool: replicaPool,
          schema,
        }),
    ).toThrow(StoreSettingsError);
  });
});

// The routing keeps the contract: with a replica that never lags (the primary itself, through
// a second pool) the store passes the whole conformance suite.
const conformanceSchema = `dk_replica_conf_${suffix}`;
let conformancePools: pg.Pool[] = [];
afterAll(async () => {
  if (skip) return;
  const [truncate] = conformancePools;
  await truncate?.query(`DROP SCHEMA IF EXISTS "${conformanceSchema}" CASCADE`);
  await Promise.all(conformancePools.map((pool) => pool.end()));
  conformancePools = [];
});
runConversationStoreConformance('postgres with a read pool', {
  skip,
  createStore: async () => {
    if (conformancePools.length === 0)
      conformancePools = [
        new pg.Pool({ connectionString: primaryUrl, max: 1 }),
        new pg.Pool({ connectionString: primaryUrl, max: 4 }),
      ];
    const [truncate, readPool] = conformancePools as [pg.Pool, pg.Pool];
    const created = new PostgresConversationStore({
      connectionString: primaryUrl,
      readPool,
      schema: conformanceSchema,
      maxConnections: 4,
      readYourWritesMs: 0,
    });
    await created.migrate();
    await truncate.query(`TRUNCATE "${conformanceSchema}".dk_conversations, "${conformanceSchema}".dk_nodes CASCADE`);
    return created;
  },
  reopenStore: () =>
    new PostgresConversationStore({
      connectionString: primaryUrl,
      readPool: conformancePools[1]!,
      schema: conformanceSchema,
      maxConnections: 4,
      readYourWritesMs: 0,
    }),
});
