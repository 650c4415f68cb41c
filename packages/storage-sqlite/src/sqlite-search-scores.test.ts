import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySearchAdapter } from '@dk/rag';
import { searchConformanceCorpus, zipfCorpus } from '@dk/test-kit';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteSearchAdapter } from './sqlite-search-adapter.js';

describe('SqliteSearchAdapter scores mean what InMemorySearchAdapter scores mean', () => {
  it('gives the same ids, order and scores for the same corpus and query, so one threshold keeps the same chunks', async () => {
    const documents = [
      ...searchConformanceCorpus,
      {
        id: 'long',
        content: `${'Password policy. '.repeat(30)}\n\nRotate keys yearly, reset sessions daily.`,
        metadata: { type: 'docs' },
      },
    ];
    const memory = new InMemorySearchAdapter({ name: 'docs' });
    const sqlite = new SqliteSearchAdapter({ name: 'docs', database: new Database(':memory:') });
    await memory.index(documents, { chunking: { maxChars: 200, overlapChars: 30 } });
    await sqlite.index(documents, { chunking: { maxChars: 200, overlapChars: 30 } });
    const queries = [
      'reset password',
      'password email session',
      'crème 東京',
      'install the setup wizard',
      'policy rotate keys',
      'nothing-matches-this',
    ];
    for (const query of queries) {
      for (const scoreThreshold of [undefined, 0.3, 0.5, 0.7]) {
        const expected = await memory.search(query, {
          k: 20,
          ...(scoreThreshold === undefined ? {} : { scoreThreshold }),
        });
        const actual = await sqlite.search(query, {
          k: 20,
          ...(scoreThreshold === undefined ? {} : { scoreThreshold }),
        });
        expect(
          actual.map((result) => result.id),
          `${query} @ ${scoreThreshold}`,
        ).toEqual(expected.map((result) => result.id));
        actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 12));
      }
    }
    await sqlite.close();
  });

  it('prunes by estimated co-occurrence without changing results: random Zipf text, same ids and scores', async () => {
    const { documents, queries } = zipfCorpus();
    const memory = new InMemorySearchAdapter({ name: 'zipf' });
    const sqlite = new SqliteSearchAdapter({ name: 'zipf', database: new Database(':memory:') });
    await memory.index(documents, { chunking: false });
    await sqlite.index(documents, { chunking: false });
    for (const text of queries) {
      for (const k of [1, 5]) {
        const expected = await memory.search(text, { k });
        const actual = await sqlite.search(text, { k });
        expect(
          actual.map((result) => result.id),
          `${text} k=${k}`,
        ).toEqual(expected.map((result) => result.id));
        actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 12));
      }
    }
    await sqlite.close();
  });

  it('counts a term only as a whole word of letters and digits, as tokenize splits text', async () => {
    const documents = [
      { id: 'embedded', content: 'Resetting a preset: reset-key, RESET, reset_it, key2 keys keyé ékey.', metadata: {} },
      { id: 'astral', content: 'reset 𝐀reset reset𝐀 𝐀 reset 東京reset reset東京 key', metadata: {} },
      { id: 'plain', content: 'reset the key, then reset it again; key.', metadata: {} },
      { id: 'filler', content: 'nothing to see here but a lock and a door', metadata: {} },
    ];
    const memory = new InMemorySearchAdapter({ name: 'words' });
    const sqlite = new SqliteSearchAdapter({ name: 'words', database: new Database(':memory:') });
    await memory.index(documents);
    await sqlite.index(documents);
    for (const query of ['reset key', 'reset', 'key', 'RESET keys 東京']) {
      const expected = await memory.search(query, { k: 10 });
      const actual = await sqlite.search(query, { k: 10 });
      expect(
        actual.map((result) => result.id),
        query,
      ).toEqual(expected.map((result) => result.id));
      actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 12));
    }
    await sqlite.close();
  });

  it('returns each chunk its own id, content and metadata when the pruned set is read whole (collections sharing the index)', async () => {
    const { documents, queries } = zipfCorpus();
    const database = new Database(':memory:');
    // Notes which chunk-reading statements a search runs: the pruned set read whole (unranked)
    // or the engine's ranking (ORDER BY), to count the searches answered by the first alone.
    const prepare = database.prepare.bind(database);
    const ran = new Set<'whole' | 'ranked'>();
    database.prepare = ((source: string) => {
      const statement = prepare(source);
      if (source.includes('MATCH') && source.includes('JOIN')) {
        const all = statement.all.bind(statement);
        statement.all = ((...parameters: unknown[]) => {
          ran.add(source.includes('ORDER BY') ? 'ranked' : 'whole');
          return all(...parameters);
        }) as typeof statement.all;
      }
      return statement;
    }) as typeof database.prepare;
    let readWhole = 0;
    const collections = ['left', 'right'].map((name) => ({
      memory: new InMemorySearchAdapter({ name }),
      sqlite: new SqliteSearchAdapter({ name, database }),
      documents: documents.map((document, index) => ({
        ...document,
        id: `${name}-${document.id}`,
        metadata: { collection: name, index, tags: [index % 3, `t${index % 7}`] },
      })),
    }));
    // Batches alternate between the collections, so their rowids interleave in the one index.
    for (let start = 0; start < documents.length; start += 25) {
      for (const { memory, sqlite, documents: own } of collections) {
        const batch = own.slice(start, start + 25);
        await memory.index(batch, { chunking: false });
        await sqlite.index(batch, { chunking: false });
      }
    }
    for (const { memory, sqlite } of collections) {
      for (const text of queries) {
        for (const k of [1, 5]) {
          const expected = await memory.search(text, { k });
          ran.clear();
          const actual = await sqlite.search(text, { k });
          if (ran.has('whole') && !ran.has('ranked')) readWhole++;
          expect(
            actual.map(({ id, content, metadata }) => ({ id, content, metadata })),
            `${sqlite.collection}: ${text} k=${k}`,
          ).toEqual(expected.map(({ id, content, metadata }) => ({ id, content, metadata })));
          actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 12));
        }
      }
    }
    // Most of the 160 searches (150 when written) are answered by the pruned set read whole.
    expect(readWhole).toBeGreaterThan(80);
    for (const { sqlite } of collections) await sqlite.close();
    database.close();
  });

  it('leaves out a chunk another connection deletes, or replaces under the same rowid, between ranking and reading its id', async () => {
    const { documents, queries } = zipfCorpus();
    const directory = mkdtempSync(join(tmpdir(), 'dk-search-race-'));
    const database = new Database(join(directory, 'race.db'));
    database.pragma('journal_mode = WAL');
    const other = new Database(join(directory, 'race.db'));
    let replaced = 0;
    // Right before the adapter reads a chunk's id and metadata, another connection deletes that
    // row and, every other time, stores another collection's chunk under the same rowid.
    const prepare = database.prepare.bind(database);
    database.prepare = ((source: string) => {
      const statement = prepare(source);
      if (source.startsWith('SELECT chunk_id, metadata')) {
        const get = statement.get.bind(statement);
        statement.get = ((rowid: number, ...rest: unknown[]) => {
          other.prepare('DELETE FROM dk_search_chunks WHERE rowid = ?').run(rowid);
          if ((replaced += 1) % 2 === 0) {
            other
              .prepare(
                `INSERT INTO dk_search_chunks (rowid, collection, chunk_id, document_id, chunk_index, content, metadata, token_count)
                 VALUES (?, 'intruder', ?, 'intruder', 0, 'another text', '{"intruder":true}', 2)`,
              )
              .run(rowid, `intruder-${rowid}`);
          }
          return get(rowid, ...rest);
        }) as typeof statement.get;
      }
      return statement;
    }) as typeof database.prepare;
    const sqlite = new SqliteSearchAdapter({ name: 'race', database });
    await sqlite.index(documents, { chunking: false });
    const indexed = new Map(documents.map((document) => [document.id, document]));
    for (const text of queries) {
      for (const result of await sqlite.search(text, { k: 5 })) {
        // Chunk ids are the document id and the chunk's index (`doc#0`).
        const document = indexed.get(result.id.replace(/#\d+$/, ''));
        expect(document, `${text}: ${result.id}`).toBeDefined();
        expect(result.content).toBe(document!.content);
      }
    }
    expect(replaced).toBeGreaterThan(10);
    other.close();
    await sqlite.close();
    database.close();
    rmSync(directory, { recursive: true, force: true });
  });
});
