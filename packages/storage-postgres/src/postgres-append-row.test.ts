import type { ConversationStore } from '@dk/spec';
import { nodeKey } from '@dk/storage-kysely';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';
import { version8AppendSignature } from './postgres-append-function.js';

const skip = await shouldSkipPostgres();
const schemas: string[] = [];
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 4 });
afterAll(async () => {
  await pool.end();
  if (!skip) for (const schema of schemas) await dropSchema(schema);
});

function freshSchema(): string {
  const schema = randomSchemaName('dk_row');
  schemas.push(schema);
  return schema;
}

/** Appends `contents` one under the other from `parentId` (cursor moved); returns the ids. */
async function chain(store: ConversationStore, conversationId: string, parentId: string | null, contents: string[]) {
  const ids: string[] = [];
  let id = parentId;
  for (const content of contents) {
    ({
      node: { id },
    } = await store.appendNode({ conversationId, parentId: id, node: { role: 'user', content }, moveCursor: true }));
    ids.push(id!);
  }
  return ids;
}

async function pathContents(store: ConversationStore, conversationId: string, nodeId: string): Promise<string[]> {
  return (await store.getPath({ conversationId, nodeId })).map((node) => node.content);
}

describe.skipIf(skip)('dk_append_node: the parent found by its row address', () => {
  it('checks the remembered address: a conversation deleted and created again elsewhere gets the right parent', async () => {
    const schema = freshSchema();
    const first = createPostgresConversationStore({ pool, schema });
    const second = createPostgresConversationStore({ pool, schema });
    await first.create({ id: 'again' });
    const ids = await chain(first, 'again', null, ['a0', 'a1', 'a2']);
    // Another server deletes the conversation and writes a longer one under the same id: the
    // first store still remembers the address of its own '0.0' row, now a deleted row.
    await second.delete({ conversationId: 'again' });
    await second.create({ id: 'again' });
    await chain(second, 'again', null, ['b0', 'b1', 'b2', 'b3', 'b4']);
    const { node } = await first.appendNode({
      conversationId: 'again',
      parentId: ids[2]!,
      node: { role: 'assistant', content: 'from the stale cache' },
    });
    expect(node.id).toBe('0.0.1');
    expect(await pathContents(first, 'again', node.id)).toEqual(['b0', 'b1', 'b2', 'from the stale cache']);
    await first.close();
    await second.close();
  });

  it('goes on after VACUUM FULL moved the rows', async () => {
    const schema = freshSchema();
    const store = createPostgresConversationStore({ pool, schema });
    await store.create({ id: 'moved' });
    await store.create({ id: 'other' });
    // Rows of another conversation deleted in between, so the rewrite moves the chat's rows.
    await chain(store, 'other', null, ['o0', 'o1', 'o2', 'o3']);
    const ids = await chain(store, 'moved', null, ['m0', 'm1']);
    await store.delete({ conversationId: 'other' });
    await pool.query(`VACUUM FULL "${schema}".dk_nodes`);
    const [next] = await chain(store, 'moved', ids[1]!, ['m2']);
    expect(next).toBe('0.0');
    expect(await pathContents(store, 'moved', next!)).toEqual(['m0', 'm1', 'm2']);
    await store.close();
  });

  it('does not take a row at the given address that is another node, in this conversation or another', async () => {
    const schema = freshSchema();
    const store = createPostgresConversationStore({ pool, schema });
    await store.create({ id: 'one' });
    await store.create({ id: 'two' });
    await chain(store, 'one', null, ['one 0', 'one 1']);
    await chain(store, 'two', null, ['two 0', 'two 1', 'two 2', 'two 3']);
    // Node '1' in both: seq 2 in one (after '', '0'), seq 4 in two (after '', '0', '0.0', '0.0.0').
    for (const conversationId of ['one', 'two']) {
      await store.appendNode({ conversationId, parentId: '', node: { role: 'user', content: `${conversationId} 1` } });
    }
    const rows = await pool.query<{ conversation_id: string; seq: number; ctid: string }>(
      `SELECT conversation_id, seq, ctid::text FROM "${schema}".dk_nodes`,
    );
    const rowOf = (conversationId: string, seq: number) =>
      rows.rows.find((row) => row.conversation_id === conversationId && row.seq === seq)!.ctid;
    const call = async (parentId: string, row: string) => {
      const { rows: result } = await pool.query<{ outcome: string; position: number }>(
        `SELECT outcome, "position" FROM "${schema}".dk_append_node($1, $2, $3, $4, $5, $6, $7, NULL, false, 0,
          'user', 'probe', NULL, NULL, NULL, '{}'::jsonb, NULL, NULL, 0)`,
        [
          'two',
          parentId,
          nodeKey(parentId),
          row,
          parentId === '' ? '' : parentId,
          nodeKey(parentId === '' ? '0' : `${parentId}.0`),
          parentId === '' ? '0' : `${parentId}.0`,
        ],
      );
      return result[0]!;
    };
    // Under '' (two's root, with children '0' and '1') given the address of one's root, then of
    // two's '0': both are other nodes, so the parent is found by its key.
    expect(await call('', rowOf('one', 0))).toEqual({ outcome: 'appended', position: 2 });
    expect(await call('', rowOf('two', 1))).toEqual({ outcome: 'appended', position: 3 });
    // Under two's '1' given the address of one's '1': same key, another conversation (whose
    // seq 2 is two's '0.0', which has a child).
    expect(await call('1', rowOf('one', 2))).toEqual({ outcome: 'appended', position: 0 });
    const children = await store.getChildren({ conversationId: 'two', nodeId: '' });
    expect(children.map((child) => [child.id, child.content])).toEqual([
      ['0', 'two 1'],
      ['1', 'two 1'],
      ['2', 'probe'],
      ['3', 'probe'],
    ]);
    expect((await store.getChildren({ conversationId: 'two', nodeId: '1' })).map((child) => child.content)).toEqual([
      'probe',
    ]);
    // An address past the end of the table finds nothing there; a parent that does not exist
    // is still reported.
    expect(await call('0', '(4000000,1)')).toEqual({ outcome: 'appended', position: 1 });
    expect((await call('9', rowOf('two', 0))).outcome).toBe('no-parent');
    await store.close();
  });

  it('keeps the version-8 function in place when migrating, for servers not yet upgraded', async () => {
    const schema = freshSchema();
    const old = createPostgresConversationStore({ pool, schema, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 8 })).toEqual({ fromVersion: 0, toVersion: 8 });
    // Version 8 as the previous package left it: its function had the 18-argument signature.
    await pool.query(`DROP FUNCTION "${schema}".dk_append_node (text, text, bytea, tid, text, bytea, text, integer,
      boolean, bigint, text, text, text, text, jsonb, jsonb, text, text, bigint)`);
    await pool.query(`CREATE FUNCTION "${schema}".dk_append_node (${version8AppendSignature})
      RETURNS TABLE (outcome text) LANGUAGE sql AS $$ SELECT 'version 8'::text $$`);
    await old.close();
    const store = createPostgresConversationStore({ pool, schema });
    expect(await store.migrate()).toEqual({ fromVersion: 8, toVersion: 9 });
    const { rows } = await pool.query<{ arguments: number }>(
      `SELECT p.pronargs AS arguments FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1 AND p.proname = 'dk_append_node' ORDER BY p.pronargs`,
      [schema],
    );
    expect(rows.map((row) => row.arguments)).toEqual([18, 19]);
    const { rows: legacy } = await pool.query(
      `SELECT outcome FROM "${schema}".dk_append_node(${Array.from({ length: 18 }, (_, index) => `$${index + 1}`).join(', ')})`,
      Array.from({ length: 18 }, () => null),
    );
    expect(legacy).toEqual([{ outcome: 'version 8' }]);
    await store.create({ id: 'upgraded' });
    expect(await chain(store, 'upgraded', null, ['u0', 'u1', 'u2'])).toEqual(['', '0', '0.0']);
    await store.close();
  });
});
