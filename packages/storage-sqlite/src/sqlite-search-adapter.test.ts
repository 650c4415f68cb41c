import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGuideRagExamples, runSearchAdapterConformance } from '@dk/test-kit';
import Database from 'better-sqlite3';
import { InvalidOptionsError, RagSearchError } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConversationStore } from './sqlite-conversation-store.js';
import { SqliteSearchAdapter } from './sqlite-search-adapter.js';
import { InMemorySearchAdapter } from '@dk/rag';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-search-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// One file shared by every test: each adapter gets its own collection, as several adapters
// sharing a database would.
runSearchAdapterConformance('sqlite', {
  batchSize: 7,
  createAdapter: (name) => new SqliteSearchAdapter({ name, path: join(directory, 'search.db'), batchSize: 7 }),
});

runGuideRagExamples('sqlite', {
  createAdapter: (name) => new SqliteSearchAdapter({ name, path: join(directory, 'guide.db') }),
  // The application closed the database the adapter was given: searches fail for real.
  createBrokenAdapter: (name) => {
    const database = new Database(join(directory, 'broken.db'));
    const adapter = new SqliteSearchAdapter({ name, database });
    database.close();
    return adapter;
  },
});

describe('SqliteSearchAdapter', () => {
  it('rejects bad settings with StoreSettingsError naming the setting', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: ' ', path: join(directory, 'x.db') }, 'name'],
      [{ name: 'docs' }, 'path'],
      [{ name: 'docs', path: '' }, 'path'],
      [{ name: 'docs', path: join(directory, 'x.db'), batchSize: 1.5 }, 'batchSize'],
      [{ name: 'docs', path: join(directory, 'x.db'), busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [{ name: 'docs', path: join(directory, 'missing', 'x.db') }, 'path'],
      [{ name: 'docs', database: {} }, 'database'],
      [{ name: 'docs', path: join(directory, 'x.db'), collection: 7 }, 'collection'],
    ];
    for (const [settings, setting] of cases) {
      expect(() => new SqliteSearchAdapter(settings as never), setting).toThrow(StoreSettingsError);
      try {
        new SqliteSearchAdapter(settings as never);
      } catch (error) {
        expect((error as StoreSettingsError).setting).toBe(setting);
      }
    }
    expect(() => new SqliteSearchAdapter({ name: 'docs', path: 'x.db', batch_size: 5 } as never)).toThrow(
      InvalidOptionsError,
    );
  });

  it("runs on the store's connection and migrations when given its database", async () => {
    const database = new Database(join(directory, 'shared.db'));
    const store = new SqliteConversationStore({ database });
    const search = new SqliteSearchAdapter({ name: 'docs', database });
    expect(await search.migrate()).toEqual({ fromVersion: 0, toVersion: 7 });
    expect(await store.migrate()).toEqual({ fromVersion: 7, toVersion: 7 });
    // One connection: the store's transactions and the adapter's batches queue on it and
    // never nest, even when they run at the same time.
    const conversation = await store.create();
    await store.appendNode({ conversationId: conversation.id, parentId: null, node: { role: 'system', content: 'r' } });
    const documents = Array.from({ length: 30 }, (_, index) => ({ id: `d${index}`, content: `walrus note ${index}` }));
    await Promise.all([
      search.index(documents, { chunking: false }),
      ...Array.from({ length: 20 }, (_, index) =>
        store.appendNode({
          conversationId: conversation.id,
          parentId: '',
          node: { role: 'user', content: `m${index}` },
        }),
      ),
    ]);
    expect((await store.get({ conversationId: conversation.id }))?.nodeCount).toBe(21);
    expect(await search.search('walrus', { k: 50 })).toHaveLength(30);
    await search.close();
    await store.close();
    expect(database.open).toBe(true);
    database.close();
  });

  it('keeps the old chunks when a re-indexing batch fails, and wraps the SQLite error', async () => {
    const database = new Database(':memory:');
    const search = new SqliteSearchAdapter({ name: 'docs', database });
    await search.index([{ id: 'doc', content: 'original walrus text' }], { chunking: false });
    // A trigger standing in for a disk or constraint failure halfway through the batch.
    database.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON dk_search_chunks WHEN NEW.content LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    const error = await search
      .index([{ id: 'doc', content: 'new text boom' }], { chunking: false })
      .catch((caught: unknown) => caught);
    expect(RagSearchError.isInstance(error) && error.code).toBe('RAG_INDEX_FAILED');
    expect((error as Error).message).toMatch(/disk says no/);
    expect((await search.search('walrus')).map((result) => result.id)).toEqual(['doc#0']);
    database.close();
    const failed = await search.search('walrus').catch((caught: unknown) => caught);
    expect(RagSearchError.isInstance(failed) && failed.code).toBe('RAG_SEARCH_FAILED');
  });
});

describe('SqliteSearchAdapter statistics', () => {
  it('keeps the collection statistics equal to the chunks after index, re-index, failure and delete', async () => {
    const database = new Database(':memory:');
    const search = new SqliteSearchAdapter({ name: 'docs', database });
    const check = () => {
      const stored = database
        .prepare("SELECT chunk_count || '/' || token_total AS v FROM dk_search_stats WHERE collection = 'docs'")
        .get() as { v: string } | undefined;
      const actual = database
        .prepare(
          "SELECT count(*) || '/' || coalesce(sum(token_count), 0) AS v FROM dk_search_chunks WHERE collection = 'docs'",
        )
        .get() as { v: string };
      expect(stored?.v ?? '0/0').toBe(actual.v);
      return actual.v;
    };
    const long = Array.from({ length: 6 }, (_, index) => `Section ${index} about narwhal tusks and ice.`).join('\n\n');
    await search.index(
      [
        { id: 'a', content: long },
        { id: 'b', content: 'narwhal' },
      ],
      { chunking: { maxChars: 60, overlapChars: 0 } },
    );
    expect(check()).not.toBe('0/0');
    await search.index([{ id: 'a', content: 'short narwhal note' }], { chunking: false });
    check();
    database.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON dk_search_chunks WHEN NEW.content LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    await search.index([{ id: 'b', content: 'boom' }]).catch(() => undefined);
    check();
    expect(await search.deleteDocuments(['a', 'b'])).toBe(2);
    expect(check()).toBe('0/0');
    expect(await search.search('narwhal')).toEqual([]);
  });
});

describe('SqliteSearchAdapter top-k in FTS5', () => {
  it('reads further pages of the engine ranking when filters leave fewer than k', async () => {
    const adapter = new SqliteSearchAdapter({ name: 'pages', database: new Database(':memory:') });
    await adapter.index(
      Array.from({ length: 300 }, (_, index) => ({
        id: `d${index}`,
        // Earlier documents say "alpha" more often, so FTS5 ranks the filtered ones last.
        content: `${'alpha '.repeat(index < 290 ? 3 : 1)}note ${index}`,
        metadata: { group: index >= 290 ? 'late' : 'early' },
      })),
      { chunking: false },
    );
    const late = await adapter.search('alpha', { k: 5, filters: { group: 'late' } });
    expect(late).toHaveLength(5);
    for (const result of late) expect(result.metadata['group']).toBe('late');
    // Relative to the best match passing the filters, which scores 1.
    expect(late[0]!.score).toBe(1);
    expect(await adapter.search('alpha', { k: 5 })).toHaveLength(5);
    await adapter.close();
  });
});

describe('SqliteSearchAdapter term statistics', () => {
  it('sees writes of this connection and of other processes in its scores (no stale document frequencies)', async () => {
    const path = join(directory, 'statistics.db');
    const reader = new SqliteSearchAdapter({ name: 'stats', path });
    const writer = new SqliteSearchAdapter({ name: 'stats', path });
    const memory = new InMemorySearchAdapter({ name: 'stats' });
    const batches = [
      [
        { id: 'a', content: 'walrus tusk ivory' },
        { id: 'b', content: 'walrus colony beach' },
      ],
      [
        { id: 'c', content: 'walrus walrus diet' },
        { id: 'd', content: 'tusk ivory trade' },
        { id: 'e', content: 'beach colony seals' },
      ],
    ];
    const compare = async () => {
      const expected = await memory.search('walrus tusk colony', { k: 10 });
      const actual = await reader.search('walrus tusk colony', { k: 10 });
      expect(actual.map((result) => result.id)).toEqual(expected.map((result) => result.id));
      actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 12));
    };
    await reader.index(batches[0]!, { chunking: false });
    await memory.index(batches[0]!, { chunking: false });
    await compare();
    // Another connection (as another process would) changes the statistics.
    await writer.index(batches[1]!, { chunking: false });
    await memory.index(batches[1]!, { chunking: false });
    await compare();
    // And this connection.
    await reader.deleteDocuments(['c']);
    await memory.deleteDocuments(['c']);
    await compare();
    await reader.close();
    await writer.close();
  });
});
