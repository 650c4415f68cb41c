import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeKey } from '@dk/storage-kysely';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-v4-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

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

describe('SQLite schema version 4 (per-conversation node keys)', () => {
  it('migrates version 3 data: deep ids (hashed keys), branches and interleaved conversations keep their ids', async () => {
    const path = join(directory, 'v3.db');
    const old = createSqliteConversationStore({ path, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 3 })).toEqual({ fromVersion: 0, toVersion: 3 });
    await old.close();

    // Rows as version 3 held them: one global seq, interleaved across two conversations.
    const deep = treeIds(150);
    const short = ['', '0', '1', '1.0'];
    const database = new Database(path);
    const insertConversation = database.prepare(`INSERT INTO dk_conversations
      (id, metadata, current_node_id, version, node_count, created_at, updated_at) VALUES (?, ?, ?, 2, ?, 1, 2)`);
    insertConversation.run('deep', '{"kind":"deep"}', deep[149], deep.length);
    insertConversation.run('short', '{"kind":"short"}', '1.0', short.length);
    insertConversation.run('empty', '{}', null, 0);
    const insertNode = database.prepare(`INSERT INTO dk_nodes
      (seq, conversation_id, parent_seq, position, node_key, role, content, metadata, created_at)
      VALUES (?, ?, ?, ?, ?, 'user', ?, '{}', ?)`);
    const seqs = new Map<string, number>();
    let seq = 10;
    const insert = (conversationId: string, id: string) => {
      seq += 1;
      const parent = parentOf(id);
      insertNode.run(
        seq,
        conversationId,
        parent === null ? null : seqs.get(`${conversationId}/${parent}`)!,
        positionOf(id),
        versionThreeKey(id),
        `${conversationId} node ${id.length} ${id.slice(-3)}`,
        seq,
      );
      seqs.set(`${conversationId}/${id}`, seq);
    };
    deep.forEach((id, index) => {
      insert('deep', id);
      if (index < short.length) insert('short', short[index]!);
    });
    database.close();

    const store = createSqliteConversationStore({ path });
    expect(await store.migrate()).toEqual({ fromVersion: 3, toVersion: 7 });
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
    const path150 = await store.getPath({ conversationId: 'deep', nodeId: `${deepest}.1` });
    expect(path150.map((node) => node.id)).toEqual([...deep.slice(0, 150), `${deepest}.1`]);
    expect((await store.getChildren({ conversationId: 'deep', nodeId: '0' })).map((node) => node.id)).toEqual([
      '0.0',
      '0.1',
    ]);
    expect((await store.search({ text: 'short node' })).items.map((item) => item.id)).toEqual(['short']);

    // Appends continue the numbering: new ids, new seqs, old ones untouched.
    const appended = await store.appendNode({
      conversationId: 'deep',
      parentId: deepest,
      node: { role: 'assistant', content: 'third child' },
      moveCursor: true,
    });
    expect(appended.node.id).toBe(`${deepest}.2`);
    expect(appended.conversation).toMatchObject({ nodeCount: deep.length + 1, currentNodeId: `${deepest}.2` });
    expect(
      (await store.appendNode({ conversationId: 'short', parentId: '', node: { role: 'user', content: 'x' } })).node.id,
    ).toBe('2');
    await store.appendNode({ conversationId: 'empty', parentId: null, node: { role: 'system', content: 'root' } });
    expect((await store.getPath({ conversationId: 'empty', nodeId: '' })).map((node) => node.content)).toEqual([
      'root',
    ]);
    await store.close();

    // The stored layout: fixed-size keys, per-conversation seqs, every unique index led by conversation_id.
    const check = new Database(path, { readonly: true });
    const rows = check
      .prepare(
        `SELECT seq, parent_seq, length(node_key) AS bytes, node_key FROM dk_nodes WHERE conversation_id = 'deep' ORDER BY seq`,
      )
      .all() as { seq: number; parent_seq: number | null; bytes: number; node_key: Buffer }[];
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: deep.length + 1 }, (_, index) => index));
    expect(new Set(rows.map((row) => row.bytes))).toEqual(new Set([16]));
    expect(rows[149]!.node_key.equals(nodeKey(deepest))).toBe(true);
    const uniqueIndexes = check
      .prepare(`SELECT name FROM pragma_index_list('dk_nodes') WHERE "unique" = 1`)
      .pluck()
      .all() as string[];
    expect(uniqueIndexes.sort()).toEqual(['dk_nodes_children', 'dk_nodes_key', 'dk_nodes_seq']);
    for (const index of uniqueIndexes) {
      expect(check.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno LIMIT 1`).pluck().get(index)).toBe(
        'conversation_id',
      );
    }
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.pragma('foreign_key_check')).toEqual([]);
    check.close();
  });
});
