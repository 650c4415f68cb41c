import { fileURLToPath } from 'node:url';
import { ConversationStoreError } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import {
  dropSchema,
  postgresTestUrl,
  randomSchemaName,
  runConversationStoreConformance,
  runStoreProcessTests,
  shouldSkipPostgres,
} from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';
import { PostgresConversationStore } from './postgres-conversation-store.js';

const skip = await shouldSkipPostgres();
const run = randomSchemaName();
let counter = 0;
const freshSchema = () => `${run}_${(counter += 1)}`;
const usedSchemas: string[] = [];
const store = (schema = freshSchema(), extra: { autoMigrate?: boolean } = {}) => {
  usedSchemas.push(schema);
  return createPostgresConversationStore({ connectionString: postgresTestUrl(), schema, maxConnections: 4, ...extra });
};
afterAll(async () => {
  if (!skip) for (const schema of usedSchemas) await dropSchema(schema);
});

// One schema for the whole conformance run, emptied before each test (faster than a schema per test).
const conformanceSchema = freshSchema();
usedSchemas.push(conformanceSchema);
let truncate: pg.Pool | undefined;
afterAll(async () => truncate?.end());

runConversationStoreConformance('postgres', {
  skip,
  createStore: async () => {
    const created = createPostgresConversationStore({
      connectionString: postgresTestUrl(),
      schema: conformanceSchema,
      maxConnections: 4,
    });
    await created.migrate();
    truncate ??= new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
    await truncate.query(`TRUNCATE "${conformanceSchema}".dk_conversations CASCADE`);
    return created;
  },
  reopenStore: () =>
    createPostgresConversationStore({
      connectionString: postgresTestUrl(),
      schema: conformanceSchema,
      maxConnections: 4,
    }),
});

const sharedSchema = freshSchema();
usedSchemas.push(sharedSchema);
runStoreProcessTests('postgres', {
  skip,
  workerScript: fileURLToPath(new URL('./__fixtures__/store-worker.ts', import.meta.url)),
  workerEnvironment: () => ({ DK_POSTGRES_URL: postgresTestUrl(), DK_POSTGRES_SCHEMA: sharedSchema }),
  openStore: async () => store(sharedSchema),
});

describe.skipIf(skip)('PostgresConversationStore', () => {
  it('upgrades a schema created at version 1 with data in it', async () => {
    const schema = freshSchema();
    const old = store(schema, { autoMigrate: false });
    expect(await old.migrate({ targetVersion: 1 })).toEqual({ fromVersion: 0, toVersion: 1 });
    await old.close();
    const client = new pg.Client({ connectionString: postgresTestUrl() });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
         VALUES ('legacy', '{"userId":"u7","tier":"gold"}', '0', 3, 2, 1700000000000, 1700000000500)`,
      );
      await client.query(
        `INSERT INTO "${schema}".dk_nodes (conversation_id, parent_seq, position, node_key, role, content, metadata, created_at)
         VALUES ('legacy', NULL, 0, '', 'system', 'Be brief.', '{}', 1700000000000)`,
      );
      await client.query(
        `INSERT INTO "${schema}".dk_nodes (conversation_id, parent_seq, position, node_key, role, content, metadata, created_at)
         SELECT 'legacy', seq, 0, '0', 'user', 'Where is my parcel?', '{"channel":"web"}', 1700000000500
         FROM "${schema}".dk_nodes WHERE node_key = ''`,
      );
    } finally {
      await client.end();
    }
    const upgraded = store(schema);
    try {
      expect((await upgraded.list({ metadata: { tier: 'gold' } })).items.map((item) => item.id)).toEqual(['legacy']);
      expect((await upgraded.search({ text: 'parcel' })).items.map((item) => item.id)).toEqual(['legacy']);
      const tree = await upgraded.load({ conversationId: 'legacy' });
      expect(tree?.conversation).toMatchObject({ currentNodeId: '0', version: 3, nodeCount: 2 });
      expect(tree?.nodes.map((node) => [node.id, node.content, node.metadata])).toEqual([
        ['', 'Be brief.', {}],
        ['0', 'Where is my parcel?', { channel: 'web' }],
      ]);
      const { node } = await upgraded.appendNode({
        conversationId: 'legacy',
        parentId: '0',
        node: { role: 'assistant', content: 'On its way.' },
      });
      expect(node.id).toBe('0.0');
      expect(await upgraded.count({ text: 'way' })).toBe(1);
      expect(await upgraded.migrate()).toEqual({ fromVersion: 9, toVersion: 9 });
    } finally {
      await upgraded.close();
    }
  });

  it('serialises concurrent first migrations of several stores on one schema', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, () => store(schema, { autoMigrate: false }));
    const results = await Promise.all(stores.map((each) => each.migrate()));
    expect(results.filter((result) => result.fromVersion === 0)).toHaveLength(1);
    expect(results.every((result) => result.toVersion === 9)).toBe(true);
    await Promise.all(stores.map((each) => each.close()));
  });

  it('appends a node in one round trip (one call of the append function)', async () => {
    const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
    const schema = freshSchema();
    usedSchemas.push(schema);
    const injected = new PostgresConversationStore({ pool, schema });
    await injected.create({ id: 'one-trip' });
    const root = await injected.appendNode({
      conversationId: 'one-trip',
      parentId: null,
      node: { role: 'system', content: 's' },
    });
    const statements: string[] = [];
    const client = await pool.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      statements.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
      return query(...args);
    };
    client.release();
    const { node, conversation } = await injected.appendNode({
      conversationId: 'one-trip',
      parentId: root.node.id,
      node: { role: 'user', content: 'hello', metadata: { n: 1 } },
      moveCursor: true,
      expectedVersion: 1,
    });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('dk_append_node');
    expect(node).toMatchObject({ id: '0', parentId: '', position: 0, content: 'hello', metadata: { n: 1 } });
    expect(conversation).toMatchObject({ currentNodeId: '0', version: 2, nodeCount: 2 });
    expect(await injected.get({ conversationId: 'one-trip' })).toEqual(conversation);
    await injected.close();
    await pool.end();
  });

  it('uses an injected pool without ending it, and wraps driver failures', async () => {
    const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
    const schema = freshSchema();
    usedSchemas.push(schema);
    const injected = new PostgresConversationStore({ pool, schema });
    await injected.create({ id: 'x', metadata: { a: 1 } });
    await pool.query(`DROP TABLE "${schema}".dk_nodes`);
    const error = await injected.load({ conversationId: 'x' }).catch((caught: unknown) => caught);
    expect(ConversationStoreError.isInstance(error)).toBe(true);
    expect((error as ConversationStoreError).fields).toEqual({
      provider: 'postgres',
      operation: 'load',
      isRetryable: false,
    });
    expect((error as Error).message).not.toContain('postgresql://');
    await injected.close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('reports an unreachable server as ConversationStoreError without leaking the password', async () => {
    const unreachable = createPostgresConversationStore({
      connectionString: 'postgresql://user:s3cret@127.0.0.1:1/none',
    });
    const error = await unreachable.ping().catch((caught: unknown) => caught);
    expect(ConversationStoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain('s3cret');
    await unreachable.close();
  });
});

describe('PostgresConversationStore settings', () => {
  it('rejects invalid settings with StoreSettingsError', () => {
    expect(() => createPostgresConversationStore({})).toThrow(StoreSettingsError);
    expect(() => createPostgresConversationStore({ connectionString: '' })).toThrow(StoreSettingsError);
    expect(() => createPostgresConversationStore({ connectionString: 'postgresql://x', schema: 'bad-name' })).toThrow(
      /schema/,
    );
    expect(() => createPostgresConversationStore({ connectionString: 'postgresql://x', maxConnections: 0 })).toThrow(
      StoreSettingsError,
    );
  });
});
