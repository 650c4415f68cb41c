import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConversationStoreError, InvalidOptionsError, StoreClosedError, StoreUnavailableError } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import { runConversationStoreConformance, runStoreProcessTests } from '@dk/test-kit';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';
import { SqliteConversationStore } from './sqlite-conversation-store.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-store-'));
let counter = 0;
const freshPath = () => join(directory, `store-${(counter += 1)}.db`);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const storePaths = new WeakMap<object, string>();
runConversationStoreConformance('sqlite', {
  createStore: () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    storePaths.set(store, path);
    return store;
  },
  reopenStore: (closed) => createSqliteConversationStore({ path: storePaths.get(closed)! }),
});

// The same suite with the metadata keys it filters on indexed (the filters then run on the
// (value, updated_at, id) expression indexes, types still kept apart).
const indexedMetadataKeys = ['userId', 'tier', 'score', 'active', 'note', 'even', 'team', 'touched'];
runConversationStoreConformance('sqlite, metadata keys indexed', {
  createStore: () => createSqliteConversationStore({ path: freshPath(), indexedMetadataKeys }),
});

const sharedPath = freshPath();
runStoreProcessTests('sqlite', {
  workerScript: fileURLToPath(new URL('./__fixtures__/store-worker.ts', import.meta.url)),
  workerEnvironment: () => ({ DK_SQLITE_PATH: sharedPath }),
  openStore: async () => createSqliteConversationStore({ path: sharedPath }),
  checkIntegrity: async () => {
    const database = new Database(sharedPath);
    try {
      expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(database.pragma('foreign_key_check')).toEqual([]);
      database.prepare(`INSERT INTO dk_nodes_fts (dk_nodes_fts) VALUES ('integrity-check')`).run();
    } finally {
      database.close();
    }
  },
});

describe('SqliteConversationStore', () => {
  it('opens files in WAL mode and runs numbered migrations once', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path, autoMigrate: false });
    expect(store.latestSchemaVersion).toBe(7);
    expect(await store.migrate()).toEqual({ fromVersion: 0, toVersion: 7 });
    expect(await store.migrate()).toEqual({ fromVersion: 7, toVersion: 7 });
    await store.close();
    const database = new Database(path, { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.prepare('SELECT version, name FROM dk_schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'conversations and nodes' },
      { version: 2, name: 'full-text search and metadata index' },
      { version: 3, name: 'search chunks and embedding cache' },
      { version: 4, name: 'per-conversation node keys' },
      { version: 5, name: 'lighter node text index' },
      { version: 6, name: 'node text indexed in batches' },
      { version: 7, name: 'compact cursors' },
    ]);
    database.close();
  });

  it('upgrades a database created at schema version 1 with data in it', async () => {
    const path = freshPath();
    const old = createSqliteConversationStore({ path, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 1 })).toEqual({ fromVersion: 0, toVersion: 1 });
    await old.close();
    // Rows as the version-1 schema held them, written by an older release.
    const database = new Database(path);
    database
      .prepare(
        `INSERT INTO dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
         VALUES ('legacy', '{"userId":"u7","tier":"gold"}', '0', 3, 2, 1700000000000, 1700000000500)`,
      )
      .run();
    database
      .prepare(
        `INSERT INTO dk_nodes (seq, conversation_id, parent_seq, position, node_key, role, content, metadata, created_at)
         VALUES (1, 'legacy', NULL, 0, '', 'system', 'Be brief.', '{}', 1700000000000),
                (2, 'legacy', 1, 0, '0', 'user', 'Where is my parcel?', '{"channel":"web"}', 1700000000500)`,
      )
      .run();
    database.close();

    const store = createSqliteConversationStore({ path });
    expect((await store.list({ metadata: { tier: 'gold' } })).items.map((item) => item.id)).toEqual(['legacy']);
    expect((await store.search({ text: 'parcel' })).items.map((item) => item.id)).toEqual(['legacy']);
    const tree = await store.load({ conversationId: 'legacy' });
    expect(tree?.conversation).toMatchObject({ currentNodeId: '0', version: 3, nodeCount: 2 });
    expect(tree?.nodes.map((node) => [node.id, node.content, node.metadata])).toEqual([
      ['', 'Be brief.', {}],
      ['0', 'Where is my parcel?', { channel: 'web' }],
    ]);
    const { node } = await store.appendNode({
      conversationId: 'legacy',
      parentId: '0',
      node: { role: 'assistant', content: 'On its way.' },
    });
    expect(node.id).toBe('0.0');
    expect(await store.count({ text: 'way' })).toBe(1);
    expect(await store.migrate()).toEqual({ fromVersion: 7, toVersion: 7 });
    await store.close();
  });

  it('lists by an indexed metadata key newest-first straight from its index', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path, indexedMetadataKeys: ['userId'] });
    for (let index = 0; index < 30; index += 1) {
      await store.create({ id: `c${index}`, metadata: { userId: `u${index % 3}` } });
    }
    const page = await store.list({ metadata: { userId: 'u1' }, limit: 5 });
    expect(page.items.map((item) => item.id)).toEqual(
      (await createSqliteConversationStore({ path }).list({ metadata: { userId: 'u1' }, limit: 5 })).items.map(
        (item) => item.id,
      ),
    );
    await store.close();
    const database = new Database(path, { readonly: true });
    const plan = database
      .prepare(
        `EXPLAIN QUERY PLAN SELECT c.id FROM dk_conversations c
         WHERE json_extract(c.metadata, '$."userId"') = 'u1' AND json_type(c.metadata, '$."userId"') = 'text'
         ORDER BY c.updated_at DESC, c.id DESC LIMIT 6`,
      )
      .all() as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).toMatch(/USING INDEX dk_conversations_meta_userId_/);
    expect(details).not.toMatch(/TEMP B-TREE/);
    database.close();
  });

  it('keeps a string apart from an object or array whose JSON text it spells, on an indexed key', async () => {
    const store = createSqliteConversationStore({ path: freshPath(), indexedMetadataKeys: ['note'] });
    await store.create({ id: 'text-object', metadata: { note: '{"a":1}' } });
    await store.create({ id: 'object', metadata: { note: { a: 1 } } });
    await store.create({ id: 'text-array', metadata: { note: '["x"]' } });
    await store.create({ id: 'array', metadata: { note: ['x'] } });
    await store.create({ id: 'number', metadata: { note: 1 } });
    await store.create({ id: 'text-number', metadata: { note: '1' } });
    const ids = async (note: string) => (await store.list({ metadata: { note } })).items.map((item) => item.id);
    expect(await ids('{"a":1}')).toEqual(['text-object']);
    expect(await ids('["x"]')).toEqual(['text-array']);
    expect(await ids('1')).toEqual(['text-number']);
    expect(await store.count({ metadata: { note: 1 } })).toBe(1);
    await store.close();
  });

  it('refuses a database from a newer release with a typed error', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await store.ping();
    await store.count();
    await store.close();
    const database = new Database(path);
    database.prepare(`INSERT INTO dk_schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)`).run();
    database.close();
    const reopened = createSqliteConversationStore({ path });
    const error = await reopened.count().catch((caught: unknown) => caught);
    expect(ConversationStoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('schema version 99');
    await reopened.close();
  });

  it('uses an injected Database without closing it, and wraps driver failures', async () => {
    const database = new Database(freshPath());
    const store = new SqliteConversationStore({ database });
    await store.create({ id: 'x' });
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    database.exec('DROP TABLE dk_conversation_metadata');
    const error = await store.list({ metadata: { a: 1 } }).catch((caught: unknown) => caught);
    expect(ConversationStoreError.isInstance(error)).toBe(true);
    expect((error as ConversationStoreError).fields).toEqual({
      provider: 'sqlite',
      operation: 'list',
      isRetryable: false,
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    await store.close();
    expect(database.open).toBe(true);
    expect(
      StoreClosedError.isInstance(await store.get({ conversationId: 'x' }).catch((caught: unknown) => caught)),
    ).toBe(true);
    database.close();
  });

  it('reports a write lock held past busy_timeout as a retryable StoreUnavailableError', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path, busyTimeoutMs: 0 });
    await store.create({ id: 'busy' });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const error = await store
      .appendNode({ conversationId: 'busy', parentId: null, node: { role: 'user', content: 'x' } })
      .catch((caught: unknown) => caught);
    expect(StoreUnavailableError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: true, operation: 'appendNode' });
    other.exec('ROLLBACK');
    other.close();
    expect(
      (await store.appendNode({ conversationId: 'busy', parentId: null, node: { role: 'user', content: 'x' } })).node
        .id,
    ).toBe('');
    await store.close();
  });

  it('rejects invalid settings with StoreSettingsError', () => {
    expect(() => createSqliteConversationStore({})).toThrow(StoreSettingsError);
    expect(() => createSqliteConversationStore({ path: 'a.db', database: new Database(':memory:') })).toThrow(
      /exactly one/,
    );
    expect(() => createSqliteConversationStore({ path: '' })).toThrow(StoreSettingsError);
    expect(() => createSqliteConversationStore({ path: 'a.db', busyTimeoutMs: -1 })).toThrow(StoreSettingsError);
    expect(() => createSqliteConversationStore({ path: 'a.db', indexedMetadataKeys: ['bad key'] })).toThrow(
      /indexedMetadataKeys/,
    );
    const wrongTypes: [Record<string, unknown>, string][] = [
      [{ autoMigrate: 'yes' }, 'autoMigrate'],
      [{ generateId: 'uuid' }, 'generateId'],
      [{ drainTimeoutMs: -1 }, 'drainTimeoutMs'],
      [{ busyTimeoutMs: '5000' }, 'busyTimeoutMs'],
    ];
    for (const [extra, setting] of wrongTypes) {
      const error = catchError(() => createSqliteConversationStore({ path: 'a.db', ...extra }));
      expect(StoreSettingsError.isInstance(error), setting).toBe(true);
      expect(error).toMatchObject({ setting, component: 'SqliteConversationStore' });
    }
    const misspelt = catchError(() => createSqliteConversationStore({ path: 'a.db', busy_timeout_ms: 10 } as never));
    expect(InvalidOptionsError.isInstance(misspelt)).toBe(true);
    expect((misspelt as InvalidOptionsError).suggestions).toEqual({ busy_timeout_ms: 'busyTimeoutMs' });
  });

  it('says the directory does not exist (not "migrate") when the file cannot be created', async () => {
    const missing = join(directory, 'no-such-dir', 'store.db');
    const error = catchError(() => createSqliteConversationStore({ path: missing }));
    expect(StoreSettingsError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`${join(directory, 'no-such-dir')}, which does not exist`);
    expect((error as Error).message).not.toMatch(/migrat/);
    // Removed after the store was created: the first operation says so too.
    const later = join(directory, 'removed-later');
    mkdirSync(later);
    const store = createSqliteConversationStore({ path: join(later, 'store.db') });
    rmSync(later, { recursive: true });
    const failure = await store.count().catch((caught: unknown) => caught);
    expect(StoreSettingsError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/does not exist/);
    await store.close();
  });

  it('filters sorted pages correctly on both metadata plans (selective index scan, broad sort-index walk)', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await store.migrate();
    const database = new Database(path);
    // 3,000 conversations: tier "pro" matches 1,500 (broad), userId "u7" matches 30 (selective).
    database.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 3000)
      INSERT INTO dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
      SELECT printf('c%05d', i), json_object('tier', CASE i % 2 WHEN 0 THEN 'pro' ELSE 'free' END, 'userId', 'u' || (i % 100)),
        NULL, 1, 0, 1700000000000 + i, 1700000000000 + ((i * 7919) % 3000) FROM n`);
    database.close();
    const expected = (predicate: (index: number) => boolean) =>
      Array.from({ length: 3000 }, (_, index) => index)
        .filter(predicate)
        .sort((a, b) => ((b * 7919) % 3000) - ((a * 7919) % 3000) || b - a)
        .map((index) => `c${String(index).padStart(5, '0')}`);
    const pro = expected((index) => index % 2 === 0);
    const first = await store.list({ metadata: { tier: 'pro' }, limit: 40 });
    expect(first.items.map((item) => item.id)).toEqual(pro.slice(0, 40));
    const second = await store.list({ metadata: { tier: 'pro' }, limit: 40, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.id)).toEqual(pro.slice(40, 80));
    const user = expected((index) => index % 100 === 7);
    expect((await store.list({ metadata: { userId: 'u7' }, limit: 100 })).items.map((item) => item.id)).toEqual(user);
    expect(
      (await store.list({ metadata: { tier: 'free', userId: 'u7' }, limit: 100 })).items.map((item) => item.id),
    ).toEqual(user);
    expect((await store.list({ metadata: { tier: 'pro', userId: 'u7' } })).items).toEqual([]);
    expect(await store.count({ metadata: { tier: 'pro' } })).toBe(1500);
    expect(await store.deleteMany({ metadata: { tier: 'free', userId: 'u7' } })).toBe(30);
    expect(await store.count({ metadata: { tier: 'free' } })).toBe(1470);
    await store.close();
  });
});
