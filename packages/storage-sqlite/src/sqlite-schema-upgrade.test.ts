import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemorySearchAdapter } from '@dk/rag';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConversationStore } from './sqlite-conversation-store.js';
import { SqliteEmbeddingCache } from './sqlite-embedding-cache.js';
import { SqliteSearchAdapter } from './sqlite-search-adapter.js';

// A database written by @dk/storage-sqlite 0.1.0 (see __fixtures__/README.md): the store at
// schema version 2, the search adapter's tables from its own migrator (dk_search_migrations,
// version 2), the embedding cache's table created by the cache itself.
const fixture = fileURLToPath(new URL('./__fixtures__/legacy-v2.sqlite', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-upgrade-'));
let counter = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A fresh copy of the 0.1.0 database; `edit` changes it first (e.g. back to an older search schema). */
function legacyCopy(edit?: (database: Database.Database) => void): string {
  const path = join(directory, `legacy-${(counter += 1)}.db`);
  copyFileSync(fixture, path);
  if (edit !== undefined) {
    const database = new Database(path);
    edit(database);
    database.close();
  }
  return path;
}

/** The documents the fixture's `docs` collection was indexed with (chunks of at most 60 characters). */
const documents = [
  {
    id: 'walrus',
    content: 'The walrus has long tusks.\n\nWalrus tusks are used to haul out onto ice.',
    metadata: { type: 'animal' },
  },
  { id: 'narwhal', content: 'The narwhal has one long tusk.', metadata: { type: 'animal' } },
  { id: 'kafka', content: 'Kafka brokers keep partitions of topics.', metadata: { type: 'software' } },
];

async function expectedSearch(query: string) {
  const memory = new InMemorySearchAdapter({ name: 'docs' });
  await memory.index(documents, { chunking: { maxChars: 60, overlapChars: 0 } });
  return memory.search(query, { k: 10 });
}

describe('SQLite schema: one migration list for the store, the search adapters and the embedding cache', () => {
  it('upgrades a 0.1.0 database with its data: conversations, search chunks and cached vectors', async () => {
    const database = new Database(legacyCopy());
    const store = new SqliteConversationStore({ database });
    const docs = new SqliteSearchAdapter({ name: 'docs', database });
    const notes = new SqliteSearchAdapter({ name: 'notes', database });
    const cache = new SqliteEmbeddingCache({ database });
    expect(await store.migrate()).toEqual({ fromVersion: 2, toVersion: 7 });
    expect(await docs.migrate()).toEqual({ fromVersion: 7, toVersion: 7 });
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).not.toContain('dk_search_migrations');
    expect(database.prepare('SELECT version FROM dk_schema_migrations ORDER BY version').pluck().all()).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);

    // Conversations as 0.1.0 stored them.
    const tree = (await store.load({ conversationId: 'legacy-a' }))!;
    expect(tree.conversation).toMatchObject({ metadata: { userId: 'u7', tier: 'gold' }, currentNodeId: '0.0' });
    expect(tree.nodes.map((node) => [node.id, node.content])).toEqual([
      ['', 'Be brief.'],
      ['0', 'Where is my parcel?'],
      ['0.0', 'It left the depot today.'],
      ['1', 'Actually, cancel my order.'],
    ]);
    expect(tree.nodes[2]!.toolCalls).toEqual([{ id: 'c1', name: 'track', arguments: { parcel: 42 } }]);
    expect(await store.getNode({ conversationId: 'legacy-b', nodeId: '' })).toMatchObject({
      promptName: 'greet',
      branchName: 'main',
    });
    expect((await store.search({ text: 'parcel' })).items.map((item) => item.id)).toEqual(['legacy-a']);
    expect((await store.list({ metadata: { userId: 'u8' } })).items.map((item) => item.id)).toEqual(['legacy-b']);

    // Search chunks, FTS index and statistics as the old migrator left them: same results as before.
    expect(await docs.search('walrus tusks', { k: 10 })).toEqual(await expectedSearch('walrus tusks'));
    expect((await notes.search('walrus')).map((result) => result.id)).toEqual(['n1#0']);

    // Cached vectors.
    expect(await cache.getMany('test:len', ['h-ab', 'h-abc', 'h-none'])).toEqual([
      [2, 0.1, -1 / 3],
      [3, 0.1, -1 / 3],
      undefined,
    ]);

    // And everything keeps working on the upgraded file.
    const { node } = await store.appendNode({
      conversationId: 'legacy-a',
      parentId: '0.0',
      node: { role: 'user', content: 'Thanks!' },
    });
    expect(node.id).toBe('0.0.0');
    await docs.index([{ id: 'narwhal', content: 'Narwhal tusks spiral.' }], { chunking: false });
    expect((await docs.search('spiral')).map((result) => result.id)).toEqual(['narwhal#0']);
    await cache.setMany('test:len', [{ textHash: 'h-x', vector: [1] }]);
    expect(await cache.size()).toBe(3);
    database.prepare("INSERT INTO dk_search_fts (dk_search_fts) VALUES ('integrity-check')").run();
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    await Promise.all([store.close(), docs.close(), notes.close(), cache.close()]);
    database.close();
  });

  it('builds the search statistics when the old search schema stopped at its version 1', async () => {
    const path = legacyCopy((database) =>
      database.exec('DROP TABLE dk_search_stats; DELETE FROM dk_search_migrations WHERE version = 2'),
    );
    const docs = new SqliteSearchAdapter({ name: 'docs', path });
    expect(await docs.migrate()).toEqual({ fromVersion: 2, toVersion: 7 });
    expect(await docs.search('walrus tusks', { k: 10 })).toEqual(await expectedSearch('walrus tusks'));
    await docs.close();
    const database = new Database(path, { readonly: true });
    expect(database.prepare('SELECT * FROM dk_search_stats ORDER BY collection').all()).toEqual(
      database
        .prepare(
          `SELECT collection, count(*) AS chunk_count, sum(token_count) AS token_total
           FROM dk_search_chunks GROUP BY collection ORDER BY collection`,
        )
        .all(),
    );
    expect(database.prepare('SELECT count(*) FROM dk_search_stats').pluck().get()).toBe(2);
    database.close();
  });

  it('adds the conversation tables to a file that only the 0.1.0 search adapter had used', async () => {
    const path = legacyCopy((database) =>
      database.exec(
        'DROP TABLE dk_conversation_metadata; DROP TABLE dk_nodes_fts; DROP TABLE dk_nodes; ' +
          'DROP TABLE dk_conversations; DROP TABLE dk_schema_migrations',
      ),
    );
    const docs = new SqliteSearchAdapter({ name: 'docs', path });
    expect(await docs.migrate()).toEqual({ fromVersion: 0, toVersion: 7 });
    expect(await docs.search('walrus tusks', { k: 10 })).toEqual(await expectedSearch('walrus tusks'));
    await docs.close();
    const store = new SqliteConversationStore({ path });
    expect(await store.count()).toBe(0);
    await store.close();
  });
});
