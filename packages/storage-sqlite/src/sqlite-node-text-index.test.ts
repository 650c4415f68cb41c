import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';
import type { SqliteConversationStore } from './sqlite-conversation-store.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-text-index-'));
let counter = 0;
const freshPath = () => join(directory, `store-${(counter += 1)}.db`);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The watermark and the largest node row id, read on a connection of its own. */
function indexState(path: string): { indexed: number; newest: number } {
  const database = new Database(path, { readonly: true });
  try {
    return database
      .prepare(
        `SELECT indexed_row_id AS indexed, (SELECT coalesce(max(row_id), 0) FROM dk_nodes) AS newest FROM dk_nodes_fts_state`,
      )
      .get() as { indexed: number; newest: number };
  } finally {
    database.close();
  }
}

/** Every row of the text index matches its node: each node's unique word finds exactly that node. */
function expectIndexExact(path: string): void {
  const database = new Database(path, { readonly: true });
  try {
    const nodes = database.prepare(`SELECT row_id, content FROM dk_nodes`).all() as {
      row_id: number;
      content: string;
    }[];
    const indexed = database.prepare(`SELECT indexed_row_id FROM dk_nodes_fts_state`).pluck().get() as number;
    const match = database.prepare(`SELECT rowid FROM dk_nodes_fts WHERE dk_nodes_fts MATCH ?`).pluck();
    for (const node of nodes) {
      const word = /w\d+x/.exec(node.content)?.[0];
      if (word === undefined) continue;
      expect(match.all(`"${word}"`), word).toEqual(node.row_id <= indexed ? [node.row_id] : []);
    }
    // Nothing left in the index of deleted nodes: every indexed row id is a node's.
    const orphans = database
      .prepare(
        `SELECT count(*) FROM dk_nodes_fts f WHERE dk_nodes_fts MATCH 'node' AND NOT EXISTS (SELECT 1 FROM dk_nodes n WHERE n.row_id = f.rowid)`,
      )
      .pluck()
      .get();
    expect(orphans).toBe(0);
  } finally {
    database.close();
  }
}

let word = 0;
/** Appends a chain of nodes, each with a unique word; returns the words. */
async function appendChain(store: SqliteConversationStore, conversationId: string, count: number): Promise<string[]> {
  const words: string[] = [];
  if ((await store.get({ conversationId })) === undefined) await store.create({ id: conversationId });
  let parentId = (await store.get({ conversationId }))!.currentNodeId;
  for (let index = 0; index < count; index += 1) {
    const unique = `w${(word += 1)}x`;
    words.push(unique);
    const { node } = await store.appendNode({
      conversationId,
      parentId,
      node: { role: 'user', content: `node ${conversationId} ${unique}` },
      moveCursor: true,
    });
    parentId = node.id;
  }
  return words;
}

const found = async (store: SqliteConversationStore, text: string) =>
  (await store.list({ text })).items.map((item) => item.id);

describe('SqliteConversationStore node text index (indexed in batches)', () => {
  it('upgrades a version-5 database with its data, then finds appends at once and forgets deletions', async () => {
    const path = freshPath();
    const old = createSqliteConversationStore({ path, autoMigrate: false });
    expect(await old.migrate({ targetVersion: 5 })).toEqual({ fromVersion: 0, toVersion: 5 });
    const before = await appendChain(old, 'old-a', 5);
    await appendChain(old, 'old-b', 3);
    await old.close();

    const store = createSqliteConversationStore({ path });
    expect(await store.migrate()).toEqual({ fromVersion: 5, toVersion: 7 });
    expect(indexState(path)).toEqual({ indexed: 8, newest: 8 });
    expectIndexExact(path);
    expect(await found(store, before[2]!)).toEqual(['old-a']);
    expect(await store.count({ text: 'node' })).toBe(2);

    const added = await appendChain(store, 'new-c', 3);
    expect(indexState(path).indexed).toBe(8); // the append wrote no index entry
    expect(await found(store, added[1]!)).toEqual(['new-c']);
    expect(indexState(path)).toEqual({ indexed: 11, newest: 11 });
    const more = await appendChain(store, 'old-a', 2);
    expect(await store.count({ text: more[1]! })).toBe(1);

    expect(await store.delete({ conversationId: 'old-a' })).toBe(true);
    expect(await found(store, before[2]!)).toEqual([]);
    expect(await found(store, more[0]!)).toEqual([]);
    expect(await store.deleteMany({ text: added[0]! })).toBe(1);
    expect(await store.count({ text: 'node' })).toBe(1);
    await store.close();
    expectIndexExact(path);
    const database = new Database(path, { readonly: true });
    const triggers = database.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`).pluck();
    expect(triggers.all('dk_nodes').sort()).toEqual(['dk_nodes_fts_delete']);
    expect(triggers.all('dk_nodes_fts_state')).toEqual(['dk_nodes_fts_index']);
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    database.close();
  });

  it('keeps the index exact when new rows take the row ids of deleted ones', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    const kept = await appendChain(store, 'kept', 3);
    const gone = await appendChain(store, 'gone', 4);
    expect(await found(store, gone[3]!)).toEqual(['gone']); // indexes all 7 rows
    const late = await appendChain(store, 'late', 2); // pending, above the watermark
    expect(await store.delete({ conversationId: 'late' })).toBe(true);
    expect(await store.delete({ conversationId: 'gone' })).toBe(true); // the newest indexed rows
    expect(indexState(path)).toEqual({ indexed: 3, newest: 3 });
    // SQLite numbers new rows after the largest remaining one: row ids 4, 5, … again.
    const reused = await appendChain(store, 'reused', 3);
    expect(indexState(path).newest).toBe(6);
    expect(await found(store, reused[0]!)).toEqual(['reused']);
    expect(await found(store, gone[0]!)).toEqual([]);
    expect(await found(store, late[0]!)).toEqual([]);
    expect(await found(store, kept[2]!)).toEqual(['kept']);
    await store.close();
    expectIndexExact(path);
  });

  it('shares the watermark between stores on one file (it lives in the database)', async () => {
    const path = freshPath();
    const writer = createSqliteConversationStore({ path });
    const reader = createSqliteConversationStore({ path });
    const first = await appendChain(writer, 'shared', 3);
    expect(await found(reader, first[2]!)).toEqual(['shared']); // the reader indexes the writer's rows
    const second = await appendChain(writer, 'shared', 2);
    expect(await found(writer, second[1]!)).toEqual(['shared']);
    expect(await found(reader, first[0]!)).toEqual(['shared']);
    expect(await reader.delete({ conversationId: 'shared' })).toBe(true);
    expect(await found(writer, second[0]!)).toEqual([]);
    await Promise.all([writer.close(), reader.close()]);
    expectIndexExact(path);
  });

  it('indexes pending text by itself once appends pause', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await appendChain(store, 'idle', 20);
    await vi.waitFor(() => expect(indexState(path)).toEqual({ indexed: 20, newest: 20 }), {
      timeout: 3000,
      interval: 50,
    });
    await store.close();
    expectIndexExact(path);
  });

  it('checkpoints the WAL off the append path, so it stays small', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await store.create({ id: 'wal' });
    let parentId: string | null = null;
    const text = 'x'.repeat(2000);
    // Without checkpoints these 4,000 back-to-back commits (each about 35 KiB of pages) would
    // leave a WAL of about 140 MiB; with them it starts over every 16 MiB or so.
    for (let index = 0; index < 4000; index += 1) {
      const { node } = await store.appendNode({
        conversationId: 'wal',
        parentId,
        node: { role: 'user', content: `${index} ${text}` },
        moveCursor: true,
      });
      parentId = node.id;
    }
    // On a loaded machine the checkpointer can fall behind a burst like this one; the WAL is
    // bounded once it catches up: the next commits start the WAL over, and `journal_size_limit`
    // cuts the file back. So each poll commits one more small node.
    await vi.waitFor(
      async () => {
        const { node } = await store.appendNode({
          conversationId: 'wal',
          parentId,
          node: { role: 'user', content: 'more' },
        });
        parentId = node.id;
        // Only checkpoints write the database file, and the 4,000 nodes take about 8 MiB there.
        expect(statSync(path).size).toBeGreaterThan(8_000_000);
        expect(statSync(`${path}-wal`).size).toBeLessThan(48 * 1024 * 1024);
      },
      { timeout: 30_000, interval: 100 },
    );
    await store.close();
    expect(() => statSync(`${path}-wal`)).toThrow(); // the last connection's close checkpointed and removed it
  }, 90_000);
});
