import { readFileSync } from 'node:fs';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresConversationStore } from './postgres-conversation-store.js';
import { PostgresSearchAdapter } from './postgres-search-adapter.js';

// A schema written by @dk/storage-postgres 0.1.0 (see __fixtures__/README.md): the store at
// schema version 2, the search adapter's tables from its own migrator (dk_search_migrations).
const dump = readFileSync(new URL('./__fixtures__/legacy-v2.sql', import.meta.url), 'utf8');
const skip = await shouldSkipPostgres();
const schemas: string[] = [];
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 3 });
afterAll(async () => {
  await pool.end();
  if (!skip) for (const schema of schemas) await dropSchema(schema);
});

/** Loads the 0.1.0 dump into a fresh schema; `edit` (SQL) changes it afterwards. */
async function legacySchema(edit = ''): Promise<string> {
  const schema = randomSchemaName('dk_legacy');
  schemas.push(schema);
  // A client of its own: the dump empties `search_path` for its session.
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    await client.query(dump.replaceAll('dk_legacy', schema));
    if (edit !== '') await client.query(edit.replaceAll('dk_legacy', schema));
  } finally {
    await client.end();
  }
  return schema;
}

describe.skipIf(skip)('PostgreSQL schema: one migration list for the store and the search adapters', () => {
  it('upgrades a 0.1.0 schema with its data: conversations and search chunks', async () => {
    const schema = await legacySchema();
    const store = new PostgresConversationStore({ pool, schema });
    const docs = new PostgresSearchAdapter({ name: 'docs', pool, schema });
    const notes = new PostgresSearchAdapter({ name: 'notes', pool, schema });
    expect(await store.migrate()).toEqual({ fromVersion: 2, toVersion: 9 });
    expect(await docs.migrate()).toEqual({ fromVersion: 9, toVersion: 9 });
    const tables = await pool.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [schema],
    );
    expect(tables.rows.map((row) => row.name)).not.toContain('dk_search_migrations');

    const tree = (await store.load({ conversationId: 'legacy-a' }))!;
    expect(tree.conversation).toMatchObject({ metadata: { userId: 'u7', tier: 'gold' }, currentNodeId: '0.0' });
    expect(tree.nodes.map((node) => [node.id, node.content])).toEqual([
      ['', 'Be brief.'],
      ['0', 'Where is my parcel?'],
      ['0.0', 'It left the depot today.'],
      ['1', 'Actually, cancel my order.'],
    ]);
    expect(tree.nodes[2]!.toolCalls).toEqual([{ id: 'c1', name: 'track', arguments: { parcel: 42 } }]);
    expect((await store.search({ text: 'parcel' })).items.map((item) => item.id)).toEqual(['legacy-a']);
    expect((await store.list({ metadata: { userId: 'u8' } })).items.map((item) => item.id)).toEqual(['legacy-b']);

    // What 0.1.0 returned for this query on this data, ids and scores.
    const results = await docs.search('walrus tusks', { k: 10 });
    expect(results.map((result) => result.id)).toEqual(['walrus#0', 'walrus#1', 'narwhal#0']);
    expect(results[0]!.score).toBe(1);
    expect(results[1]!.score).toBeCloseTo(0.88, 12);
    expect(results[2]!.score).toBeCloseTo(0.33974797788630684, 12);
    expect((await notes.search('walrus')).map((result) => result.id)).toEqual(['n1#0']);

    const { node } = await store.appendNode({
      conversationId: 'legacy-a',
      parentId: '0.0',
      node: { role: 'user', content: 'Thanks!' },
    });
    expect(node.id).toBe('0.0.0');
    await docs.index([{ id: 'narwhal', content: 'Narwhal tusks spiral.' }], { chunking: false });
    expect((await docs.search('spiral')).map((result) => result.id)).toEqual(['narwhal#0']);
    await Promise.all([store.close(), docs.close(), notes.close()]);
  });

  it('builds the search statistics when the old search schema stopped at its version 1', async () => {
    const schema = await legacySchema(
      'DROP TABLE dk_legacy.dk_search_stats; DELETE FROM dk_legacy.dk_search_migrations WHERE version = 2;',
    );
    const docs = new PostgresSearchAdapter({ name: 'docs', pool, schema });
    expect(await docs.migrate()).toEqual({ fromVersion: 2, toVersion: 9 });
    const { rows } = await pool.query<{ stored: string; actual: string }>(
      `SELECT (SELECT string_agg(collection || '/' || chunk_count || '/' || token_total, ',' ORDER BY collection)
                 FROM "${schema}".dk_search_stats) AS stored,
              (SELECT string_agg(c, ',' ORDER BY c) FROM (
                 SELECT collection || '/' || count(*) || '/' || sum(token_count) AS c
                 FROM "${schema}".dk_search_chunks GROUP BY collection) AS t) AS actual`,
    );
    expect(rows[0]!.stored).toBe(rows[0]!.actual);
    expect(rows[0]!.stored.split(',')).toHaveLength(2);
    expect((await docs.search('walrus tusks', { k: 10 })).map((result) => result.id)).toEqual([
      'walrus#0',
      'walrus#1',
      'narwhal#0',
    ]);
    await docs.close();
  });
});
