import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConversationStoreError } from '@dk/spec';
import type { ConversationStore } from '@dk/spec';
import { migrateSchema } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import { encodeStoredNodeId } from '@dk/storage-utils';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { createSqliteStoreDialect } from './sqlite-store-dialect.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-v7-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Appends `count` first children one under the other from `parentId`; returns the last id. */
async function chain(store: ConversationStore, conversationId: string, parentId: string | null, count: number) {
  let id = parentId;
  for (let index = 0; index < count; index += 1) {
    ({
      node: { id },
    } = await store.appendNode({ conversationId, parentId: id, node: { role: 'user', content: `turn ${index}` } }));
  }
  return id!;
}

/** The cursor column as stored. */
function storedCursors(path: string): Map<string, string | null> {
  const database = new Database(path, { readonly: true });
  const rows = database.prepare('SELECT id, current_node_id FROM dk_conversations').all() as {
    id: string;
    current_node_id: string | null;
  }[];
  database.close();
  return new Map(rows.map((row) => [row.id, row.current_node_id]));
}

describe('SQLite schema version 7 (compact cursors)', () => {
  it('re-encodes the plain cursors of a version-6 database; ids read back the same and appends go on', async () => {
    const path = join(directory, 'v6.db');
    const old = createSqliteConversationStore({ path, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 6 })).toEqual({ fromVersion: 0, toVersion: 6 });
    // Trees built through the store; their cursors are then written as version 6 wrote them,
    // as plain dot paths: a 2,500-level chat, a branch at position 11 deep in a chain, the
    // root, a single segment, none.
    const cursors = new Map<string, string | null>();
    for (const id of ['chat', 'branched', 'root', 'single', 'empty']) await old.create({ id });
    cursors.set('chat', await chain(old, 'chat', null, 2500));
    const fork = await chain(old, 'branched', null, 300);
    for (let index = 0; index < 11; index += 1) await chain(old, 'branched', fork.slice(0, 2 * 100 - 1), 1);
    const eleventh = `${fork.slice(0, 2 * 100 - 1)}.11`;
    cursors.set('branched', await chain(old, 'branched', eleventh, 40));
    cursors.set('root', await chain(old, 'root', null, 1)); // ''
    await chain(old, 'single', null, 1);
    cursors.set('single', await chain(old, 'single', '', 1)); // '0'
    cursors.set('empty', null);
    // Enough conversations for several batches (500 each), cursors alone (no nodes needed).
    for (let index = 0; index < 1200; index += 1) {
      await old.create({ id: `many-${String(index).padStart(4, '0')}` });
      cursors.set(`many-${String(index).padStart(4, '0')}`, index % 3 === 0 ? '0' : `0.0.${index}.0.0.0`);
    }
    await old.close();
    const database = new Database(path);
    const write = database.prepare('UPDATE dk_conversations SET current_node_id = ? WHERE id = ?');
    database.transaction(() => {
      for (const [id, cursor] of cursors) write.run(cursor, id);
    })();
    database.close();
    expect(cursors.get('chat')).toHaveLength(2 * 2499 - 1);
    expect(cursors.get('branched')).toMatch(/^(0\.){100}11(\.0){40}$/);

    const store = createSqliteConversationStore({ path });
    expect(await store.migrate()).toEqual({ fromVersion: 6, toVersion: 7 });
    const stored = storedCursors(path);
    expect(stored.get('chat')).toBe('0*2499');
    expect(stored.get('branched')).toBe('0*100.11.0*40');
    expect(stored.get('root')).toBe('');
    expect(stored.get('single')).toBe('0');
    expect(stored.get('empty')).toBeNull();
    for (const [id, cursor] of cursors) {
      expect(stored.get(id)).toBe(cursor === null ? null : encodeStoredNodeId(cursor));
      expect((await store.get({ conversationId: id }))!.currentNodeId).toBe(cursor);
    }
    expect(stored.get('many-0001')).toBe('0*2.1.0*3');
    const listed = await store.list({ limit: 100 });
    for (const record of listed.items) expect(record.currentNodeId).toBe(cursors.get(record.id));

    // Appends go on from the decoded cursors, moving them (stored compactly) or leaving them.
    const chat = (await store.get({ conversationId: 'chat' }))!;
    const turn = await store.appendNode({
      conversationId: 'chat',
      parentId: chat.currentNodeId,
      node: { role: 'assistant', content: 'still here' },
      moveCursor: true,
    });
    expect(turn.node.id).toBe(`${cursors.get('chat')!}.0`);
    expect(turn.conversation).toMatchObject({ currentNodeId: turn.node.id, nodeCount: 2501 });
    expect(storedCursors(path).get('chat')).toBe('0*2500');
    const path2500 = await store.getPath({ conversationId: 'chat', nodeId: turn.node.id });
    expect(path2500).toHaveLength(2501);
    const side = await store.appendNode({
      conversationId: 'branched',
      parentId: eleventh,
      node: { role: 'user', content: 'a second child' },
    });
    expect(side.node.id).toBe(`${eleventh}.1`);
    expect(side.conversation.currentNodeId).toBe(cursors.get('branched'));
    const moved = await store.updateConversation({
      conversationId: 'branched',
      expectedVersion: side.conversation.version,
      currentNodeId: side.node.id,
    });
    expect(moved.currentNodeId).toBe(side.node.id);
    expect(storedCursors(path).get('branched')).toBe('0*100.11.1');
    const tree = (await store.load({ conversationId: 'branched' }))!;
    expect(tree.conversation.currentNodeId).toBe(side.node.id);
    expect(tree.nodes.map((node) => node.id)).toContain(side.node.id);
    await store.close();

    // The version number keeps a package that knows only versions 1–6 away from the new encoding.
    const olderDatabase = new Database(path);
    const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: olderDatabase }) });
    const olderDialect = {
      ...createSqliteStoreDialect(
        async (work) => work(olderDatabase),
        () => undefined,
      ),
      migrations: sqliteMigrations.slice(0, 6),
    };
    await expect(migrateSchema(db, olderDialect)).rejects.toThrow(/schema version 7, newer than the 6 this package/);
    await db.destroy();
  });

  it('reports a cursor column value no encoding wrote as ConversationStoreError, naming the value', async () => {
    const path = join(directory, 'corrupt.db');
    const store = createSqliteConversationStore({ path });
    await store.create({ id: 'corrupt' });
    const database = new Database(path);
    database.prepare(`UPDATE dk_conversations SET current_node_id = '0*1.3' WHERE id = 'corrupt'`).run();
    database.close();
    const failure = await store.get({ conversationId: 'corrupt' }).catch((error: unknown) => error);
    expect(ConversationStoreError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/stored node id "0\*1\.3" is malformed: a run of zeros/);
    await store.close();
  });
});
