import { createHash } from 'node:crypto';
import { nodeKey } from '@dk/storage-kysely';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';

const skip = await shouldSkipPostgres();
const schemas: string[] = [];
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
afterAll(async () => {
  await pool.end();
  if (!skip) for (const schema of schemas) await dropSchema(schema);
});

/** The node key of schema version 3: the id itself up to 200 characters, else `h:` + SHA-256. */
function versionThreeKey(id: string): string {
  return id.length <= 200 ? id : `h:${createHash('sha256').update(id).digest('base64url')}`;
}

/** A chain of `depth` nodes ('', '0', '0.0', …) with a branch '0.1' and two children of the deepest node. */
function treeIds(depth: number): string[] {
  const chain = [''];
  for (let index = 1; index < depth; index += 1) chain.push(index === 1 ? '0' : `${chain.at(-1)!}.0`);
  const deepest = chain.at(-1)!;
  return [...chain, '0.1', `${deepest}.0`, `${deepest}.1`];
}

const parentOf = (id: string) => (id === '' ? null : id.includes('.') ? id.slice(0, id.lastIndexOf('.')) : '');
const positionOf = (id: string) => (id === '' ? 0 : Number(id.slice(id.lastIndexOf('.') + 1)));

describe.skipIf(skip)('PostgreSQL schema version 4 (per-conversation node keys)', () => {
  it.each([
    ['one table', undefined],
    ['8 hash partitions', 8],
  ] as const)(
    'migrates version 3 data into %s: deep ids (hashed keys), branches and interleaved conversations keep their ids',
    async (_layout, nodePartitions) => {
      const schema = randomSchemaName('dk_v4');
      schemas.push(schema);
      const settings = {
        connectionString: postgresTestUrl(),
        schema,
        maxConnections: 2,
        ...(nodePartitions === undefined ? {} : { nodePartitions }),
      };
      const old = createPostgresConversationStore({ ...settings, autoMigrate: false });
      expect(await old.migrate({ targetVersion: 3 })).toEqual({ fromVersion: 0, toVersion: 3 });
      await old.close();

      // Rows as version 3 held them: one global identity seq, interleaved across two conversations.
      const deep = treeIds(150);
      const short = ['', '0', '1', '1.0'];
      const conversations = [
        ['deep', '{"kind":"deep"}', deep[149], deep.length],
        ['short', '{"kind":"short"}', '1.0', short.length],
        ['empty', '{}', null, 0],
      ] as const;
      for (const [id, metadata, cursor, count] of conversations) {
        await pool.query(
          `INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
           VALUES ($1, $2, $3, 2, $4, 1, 2)`,
          [id, metadata, cursor, count],
        );
      }
      const seqs = new Map<string, number>();
      let seq = 10;
      const insert = async (conversationId: string, id: string) => {
        seq += 1;
        const parent = parentOf(id);
        await pool.query(
          `INSERT INTO "${schema}".dk_nodes (seq, conversation_id, parent_seq, position, node_key, role, content, metadata, created_at)
           OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, 'user', $6, '{}', $1)`,
          [
            seq,
            conversationId,
            parent === null ? null : seqs.get(`${conversationId}/${parent}`)!,
            positionOf(id),
            versionThreeKey(id),
            `${conversationId} node ${id.length} ${id.slice(-3)}`,
          ],
        );
        seqs.set(`${conversationId}/${id}`, seq);
      };
      for (const [index, id] of deep.entries()) {
        await insert('deep', id);
        if (index < short.length) await insert('short', short[index]!);
      }

      const store = createPostgresConversationStore(settings);
      expect(await store.migrate()).toEqual({ fromVersion: 3, toVersion: 9 });
      const tree = (await store.load({ conversationId: 'deep' }))!;
      expect(tree.nodes.map((node) => node.id)).toEqual(deep);
      expect(tree.nodes.map((node) => node.parentId)).toEqual(deep.map(parentOf));
      expect(tree.conversation).toMatchObject({ currentNodeId: deep[149], nodeCount: deep.length, version: 2 });
      expect((await store.load({ conversationId: 'short' }))!.nodes.map((node) => node.id)).toEqual(short);
      expect((await store.load({ conversationId: 'empty' }))!.nodes).toEqual([]);

      const deepest = deep[149]!;
      expect(deepest.length).toBeGreaterThan(200);
      expect((await store.getNode({ conversationId: 'deep', nodeId: deepest }))?.content).toBe(
        `deep node ${deepest.length} ${deepest.slice(-3)}`,
      );
      const path = await store.getPath({ conversationId: 'deep', nodeId: `${deepest}.1` });
      expect(path.map((node) => node.id)).toEqual([...deep.slice(0, 150), `${deepest}.1`]);
      expect((await store.getChildren({ conversationId: 'deep', nodeId: '0' })).map((node) => node.id)).toEqual([
        '0.0',
        '0.1',
      ]);
      expect((await store.search({ text: 'short node' })).items.map((item) => item.id)).toEqual(['short']);

      const appended = await store.appendNode({
        conversationId: 'deep',
        parentId: deepest,
        node: { role: 'assistant', content: 'third child' },
        moveCursor: true,
      });
      expect(appended.node.id).toBe(`${deepest}.2`);
      expect(appended.conversation).toMatchObject({ nodeCount: deep.length + 1, currentNodeId: `${deepest}.2` });
      const sibling = await store.appendNode({
        conversationId: 'short',
        parentId: '',
        node: { role: 'user', content: 'x' },
      });
      expect(sibling.node.id).toBe('2');
      await store.appendNode({ conversationId: 'empty', parentId: null, node: { role: 'system', content: 'root' } });
      expect((await store.getPath({ conversationId: 'empty', nodeId: '' })).map((node) => node.content)).toEqual([
        'root',
      ]);
      await store.close();

      // The stored layout: per-conversation seqs and 16-byte keys that JavaScript computes alike.
      const { rows } = await pool.query<{ seq: number; key: Buffer }>(
        `SELECT seq, node_key AS key FROM "${schema}".dk_nodes WHERE conversation_id = 'deep' ORDER BY seq`,
      );
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: deep.length + 1 }, (_, index) => index));
      expect(rows.every((row) => row.key.length === 16)).toBe(true);
      expect(rows.map((row) => row.key.toString('hex'))).toEqual(
        [...deep, `${deepest}.2`].map((id) => nodeKey(id).toString('hex')),
      );
      const { rows: keys } = await pool.query<{ first: string }>(
        `SELECT a.attname AS first FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indexrelid AND a.attnum = 1
         WHERE x.indrelid = $1::regclass AND x.indisunique`,
        [`"${schema}".dk_nodes`],
      );
      expect(keys.map((row) => row.first)).toEqual(['conversation_id', 'conversation_id', 'conversation_id']);
      const { rows: layout } = await pool.query<{ partitions: string }>(
        `SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = $1::regclass`,
        [`"${schema}".dk_nodes`],
      );
      expect(Number(layout[0]!.partitions)).toBe(nodePartitions ?? 0);
    },
  );
});
