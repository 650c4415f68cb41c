import {
  dropSchema,
  postgresTestUrl,
  randomSchemaName,
  runGuideRagExamples,
  runSearchAdapterConformance,
  shouldSkipPostgres,
} from '@dk/test-kit';
import { RagSearchError } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';
import { PostgresSearchAdapter } from './postgres-search-adapter.js';

const skip = await shouldSkipPostgres();
const schema = randomSchemaName('dk_search_test');
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 4 });
afterAll(async () => {
  await pool.end();
  if (!skip) await dropSchema(schema);
});

// One schema for the run: each adapter gets its own collection, as several adapters sharing
// a database would. The pool is the application's, so closing an adapter leaves it open.
runSearchAdapterConformance('postgres', {
  skip,
  batchSize: 7,
  createAdapter: (name) => new PostgresSearchAdapter({ name, pool, schema, batchSize: 7 }),
});

runGuideRagExamples('postgres', {
  skip,
  createAdapter: (name) => new PostgresSearchAdapter({ name, collection: `guide_${name}`, pool, schema }),
  // Nothing listens on port 1: every search fails to connect.
  createBrokenAdapter: (name) =>
    new PostgresSearchAdapter({ name, connectionString: 'postgresql://postgres@127.0.0.1:1/test', schema }),
});

describe.skipIf(skip)('PostgresSearchAdapter', () => {
  const adapter = (extra: Partial<ConstructorParameters<typeof PostgresSearchAdapter>[0]> = {}) =>
    new PostgresSearchAdapter({
      name: 'docs',
      collection: `specific_${Math.random().toString(36).slice(2)}`,
      pool,
      schema,
      ...extra,
    });

  it('rejects bad settings with StoreSettingsError naming the setting', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'name'],
      [{ schema: 'bad-schema' }, 'schema'],
      [{ language: "english'; DROP" }, 'language'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ pool: undefined }, 'connectionString'],
      [{ collection: '' }, 'collection'],
      [{ onConnectionError: () => undefined }, 'onConnectionError'],
    ];
    for (const [extra, setting] of cases) {
      const error = (() => {
        try {
          adapter(extra as never);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(StoreSettingsError.isInstance(error), setting).toBe(true);
      expect((error as StoreSettingsError).setting).toBe(setting);
    }
  });

  it('says which text-search configurations exist when the language is unknown', async () => {
    const error = await adapter({ language: 'klingon' })
      .search('x')
      .catch((caught: unknown) => caught);
    expect(RagSearchError.isInstance(error) && error.code).toBe('RAG_SEARCH_CONFIG_INVALID');
    expect((error as Error).message).toMatch(/no text-search configuration "klingon"/);
  });

  it('uses the configured language: german stems German words, simple keeps every word', async () => {
    const german = adapter({ language: 'german' });
    await german.index([{ id: 'haus', content: 'Die Häuser stehen am Fluss' }], { chunking: false });
    expect((await german.search('Haus'))[0]?.id).toBe('haus#0');
    const simple = adapter({ language: 'simple' });
    await simple.index([{ id: 'the', content: 'the who' }], { chunking: false });
    expect((await simple.search('the who'))[0]?.id).toBe('the#0');
  });

  it('keeps the old chunks when re-indexing fails inside the transaction', async () => {
    const docs = adapter();
    await docs.index([{ id: 'doc', content: 'original walrus text' }], { chunking: false });
    // PostgreSQL text cannot hold NUL: the insert fails after the delete ran.
    const error = await docs
      .index([{ id: 'doc', content: 'broken \u0000 text' }], { chunking: false })
      .catch((caught: unknown) => caught);
    expect(RagSearchError.isInstance(error) && error.code).toBe('RAG_INDEX_FAILED');
    expect((await docs.search('walrus')).map((result) => result.id)).toEqual(['doc#0']);
  });

  it('keeps the collection statistics equal to the chunks after index, re-index, failure and delete', async () => {
    const docs = adapter();
    const check = async () => {
      const { rows } = await pool.query<{ stored: string | null; actual: string }>(
        `SELECT (SELECT chunk_count || '/' || token_total FROM "${schema}".dk_search_stats WHERE collection = $1) AS stored,
                (SELECT count(*) || '/' || coalesce(sum(token_count), 0) FROM "${schema}".dk_search_chunks WHERE collection = $1) AS actual`,
        [docs.collection],
      );
      expect(rows[0]!.stored ?? '0/0').toBe(rows[0]!.actual);
      return rows[0]!.actual;
    };
    const long = Array.from({ length: 6 }, (_, index) => `Section ${index} about narwhal tusks and ice.`).join('\n\n');
    await docs.index(
      [
        { id: 'a', content: long },
        { id: 'b', content: 'narwhal' },
      ],
      { chunking: { maxChars: 60, overlapChars: 0 } },
    );
    expect(await check()).not.toBe('0/0');
    await docs.index([{ id: 'a', content: 'short narwhal note' }], { chunking: false });
    await check();
    await docs.index([{ id: 'b', content: 'bad \u0000' }]).catch(() => undefined);
    await check();
    await docs.deleteDocuments(['a', 'b']);
    expect(await check()).toBe('0/0');
  });

  it('serialises concurrent re-indexing of the same document across connections', async () => {
    const collection = `concurrent_${Date.now()}`;
    const writers = Array.from(
      { length: 4 },
      () => new PostgresSearchAdapter({ name: 'docs', collection, pool, schema }),
    );
    await Promise.all(
      writers.map((writer, index) =>
        writer.index(
          [
            {
              id: 'shared',
              content: Array.from({ length: 3 }, (_, part) => `version${index} part ${part} otter`).join('\n\n'),
            },
          ],
          { chunking: { maxChars: 60, overlapChars: 0 } },
        ),
      ),
    );
    const results = await writers[0]!.search('otter', { k: 20 });
    // Three 21-character parts in chunks of at most 60 characters: two chunks.
    expect(results.map((result) => result.id).sort()).toEqual(['shared#0', 'shared#1']);
    expect(new Set(results.map((result) => /version(\d)/.exec(result.content)![1])).size).toBe(1);
  });

  it("shares the store's pool, Kysely instance and migration history in its schema", async () => {
    const shared = randomSchemaName('dk_search_shared');
    try {
      const store = createPostgresConversationStore({ pool, schema: shared });
      const search = new PostgresSearchAdapter({ name: 'docs', pool, schema: shared });
      expect(await search.migrate()).toEqual({ fromVersion: 0, toVersion: 9 });
      expect(await store.migrate()).toEqual({ fromVersion: 9, toVersion: 9 });
      const { rows } = await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [shared],
      );
      expect(rows.map((row) => row.table_name)).toEqual([
        'dk_conversation_metadata',
        'dk_conversations',
        'dk_nodes',
        'dk_schema_migrations',
        'dk_search_chunks',
        'dk_search_stats',
      ]);
      await search.index([{ id: 'a', content: 'walrus' }], { chunking: false });
      await store.create({ id: 'c' });
      expect((await search.search('walrus'))[0]?.id).toBe('a#0');
      await search.close();
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await dropSchema(shared);
    }
  });
});
