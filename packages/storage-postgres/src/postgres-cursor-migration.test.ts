import type { ConversationStore } from '@dk/spec';
import { migrateSchema, nodeKey } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import { encodeStoredNodeId } from '@dk/storage-utils';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';
import { previousAppendSignature } from './postgres-append-function.js';
import { postgresMigrations } from './postgres-migrations.js';
import { createPostgresStoreDialect } from './postgres-store-dialect.js';

const skip = await shouldSkipPostgres();
const schemas: string[] = [];
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
afterAll(async () => {
  await pool.end();
  if (!skip) for (const schema of schemas) await dropSchema(schema);
});

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

async function storedCursors(schema: string): Promise<Map<string, string | null>> {
  const { rows } = await pool.query<{ id: string; current_node_id: string | null }>(
    `SELECT id, current_node_id FROM "${schema}".dk_conversations`,
  );
  return new Map(rows.map((row) => [row.id, row.current_node_id]));
}

async function appendFunctions(schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ signature: string }>(
    `SELECT pg_get_function_identity_arguments(p.oid) AS signature FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'dk_append_node'`,
    [schema],
  );
  return rows.map((row) => row.signature);
}

describe.skipIf(skip)('PostgreSQL schema version 8 (compact cursors)', () => {
  it('re-encodes the plain cursors of a version-7 schema and replaces the append function; ids read back the same and appends go on', async () => {
    const schema = randomSchemaName('dk_v8');
    schemas.push(schema);
    const old = createPostgresConversationStore({ pool, schema, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 7 })).toEqual({ fromVersion: 0, toVersion: 7 });
    // Trees: a 3,000-level chat (bulk-loaded), a branch at position 11 deep in a chain (through
    // the store), the root, a single segment, none; and 1,200 cursors alone for several batches.
    const cursors = new Map<string, string | null>();
    for (const id of ['chat', 'branched', 'root', 'single', 'empty']) await old.create({ id });
    const chatIds = [''];
    for (let depth = 1; depth < 3000; depth += 1) chatIds.push(depth === 1 ? '0' : `${chatIds.at(-1)!}.0`);
    await pool.query(
      `INSERT INTO "${schema}".dk_nodes (conversation_id, seq, parent_seq, position, node_key, role, content, metadata, created_at)
       SELECT 'chat', g, CASE WHEN g = 0 THEN NULL ELSE g - 1 END, 0, decode(($1::text[])[g + 1], 'hex'), 'user',
         'turn ' || g, '{}'::jsonb, 1 FROM generate_series(0, 2999) g`,
      [chatIds.map((id) => nodeKey(id).toString('hex'))],
    );
    await pool.query(`UPDATE "${schema}".dk_conversations SET node_count = 3000 WHERE id = 'chat'`);
    cursors.set('chat', chatIds.at(-1)!);
    const fork = (await chain(old, 'branched', null, 120)).slice(0, 2 * 100 - 1);
    for (let index = 0; index < 11; index += 1) await chain(old, 'branched', fork, 1);
    const eleventh = `${fork}.11`;
    cursors.set('branched', await chain(old, 'branched', eleventh, 40));
    cursors.set('root', await chain(old, 'root', null, 1));
    await chain(old, 'single', null, 1);
    cursors.set('single', await chain(old, 'single', '', 1));
    cursors.set('empty', null);
    await old.close();
    await pool.query(
      `INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
       SELECT 'many-' || lpad(g::text, 4, '0'), '{}', CASE WHEN g % 3 = 0 THEN '0' ELSE '0.0.' || g || '.0.0.0' END,
         1, 0, 1, 1 FROM generate_series(0, 1199) g`,
    );
    for (let index = 0; index < 1200; index += 1) {
      cursors.set(`many-${String(index).padStart(4, '0')}`, index % 3 === 0 ? '0' : `0.0.${index}.0.0.0`);
    }
    // The cursors as version 7 wrote them (plain dot paths), and its function's signature.
    for (const [id, cursor] of cursors) {
      await pool.query(`UPDATE "${schema}".dk_conversations SET current_node_id = $1 WHERE id = $2`, [cursor, id]);
    }
    await pool.query(`CREATE FUNCTION "${schema}".dk_append_node (${previousAppendSignature})
      RETURNS TABLE (outcome text) LANGUAGE sql AS $$ SELECT 'version 7'::text $$`);
    expect(await appendFunctions(schema)).toHaveLength(2);

    const store = createPostgresConversationStore({ pool, schema });
    expect(await store.migrate()).toEqual({ fromVersion: 7, toVersion: 9 });
    expect(await appendFunctions(schema)).toHaveLength(1);
    const stored = await storedCursors(schema);
    expect(stored.get('chat')).toBe('0*2999');
    expect(stored.get('branched')).toBe('0*100.11.0*40');
    expect(stored.get('root')).toBe('');
    expect(stored.get('single')).toBe('0');
    expect(stored.get('empty')).toBeNull();
    expect(stored.get('many-0001')).toBe('0*2.1.0*3');
    for (const [id, cursor] of cursors) {
      expect(stored.get(id)).toBe(cursor === null ? null : encodeStoredNodeId(cursor));
      expect((await store.get({ conversationId: id }))!.currentNodeId).toBe(cursor);
    }

    // Appends go on from the decoded cursors, moving them (stored compactly) or leaving them.
    const turn = await store.appendNode({
      conversationId: 'chat',
      parentId: cursors.get('chat')!,
      node: { role: 'assistant', content: 'still here' },
      moveCursor: true,
    });
    expect(turn.node.id).toBe(`${cursors.get('chat')!}.0`);
    expect(turn.conversation).toMatchObject({ currentNodeId: turn.node.id, nodeCount: 3001 });
    const next = await store.appendNode({
      conversationId: 'chat',
      parentId: turn.node.id,
      node: { role: 'user', content: 'and again' },
      moveCursor: true,
    });
    expect(next.conversation.currentNodeId).toBe(`${turn.node.id}.0`);
    expect((await storedCursors(schema)).get('chat')).toBe('0*3001');
    expect(await store.getPath({ conversationId: 'chat', nodeId: next.node.id })).toHaveLength(3002);
    const side = await store.appendNode({
      conversationId: 'branched',
      parentId: eleventh,
      node: { role: 'user', content: 'a second child' },
    });
    expect(side.node.id).toBe(`${eleventh}.1`);
    expect(side.conversation.currentNodeId).toBe(cursors.get('branched'));
    const moved = await store.appendNode({
      conversationId: 'branched',
      parentId: eleventh,
      node: { role: 'user', content: 'a third child, now the cursor' },
      moveCursor: true,
    });
    expect(moved.conversation.currentNodeId).toBe(`${eleventh}.2`);
    expect((await storedCursors(schema)).get('branched')).toBe('0*100.11.2');
    expect((await store.load({ conversationId: 'branched' }))!.conversation.currentNodeId).toBe(`${eleventh}.2`);
    await store.close();

    // The version number keeps a package that knows only versions 1–7 away from the new encoding.
    const db = new Kysely<StoreDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgresTestUrl(), max: 1 }) }),
    });
    const older = { ...createPostgresStoreDialect(schema), migrations: postgresMigrations(schema).slice(0, 7) };
    await expect(migrateSchema(db, older)).rejects.toThrow(/schema version 9, newer than the 7 this package/);
    await db.destroy();
  });
});
