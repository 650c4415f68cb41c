import { InMemorySearchAdapter } from '@dk/rag';
import type { SearchDocument } from '@dk/spec';
import {
  dropSchema,
  postgresTestUrl,
  randomSchemaName,
  searchConformanceCorpus,
  shouldSkipPostgres,
  zipfCorpus,
} from '@dk/test-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSearchAdapter } from './postgres-search-adapter.js';

const skip = await shouldSkipPostgres();
const schema = randomSchemaName('dk_search_scores');
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
afterAll(async () => {
  await pool.end();
  if (!skip) await dropSchema(schema);
});

// Words that the english configuration neither stems into each other nor treats as stop
// words beyond the in-memory list: here both adapters see the same terms, so the scores
// must be equal, not just close.
const plain: SearchDocument[] = [
  { id: 'a', content: 'kafka broker kafka topic partition', metadata: { team: 'data' } },
  { id: 'b', content: 'the broker keeps a log of the topic', metadata: { team: 'data' } },
  { id: 'c', content: 'zebra giraffe savanna', metadata: { team: 'zoo' } },
  { id: 'd', content: 'kafka', metadata: { team: 'data' } },
  { id: 'e', content: 'partition tolerance and consensus with raft and paxos', metadata: { team: 'infra' } },
];
const queries = ['kafka broker', 'topic partition raft', 'zebra', 'the log of kafka', 'paxos consensus kafka zebra'];

async function pair(name: string, documents: readonly SearchDocument[]) {
  const memory = new InMemorySearchAdapter({ name });
  const postgres = new PostgresSearchAdapter({ name, collection: `${name}_${Date.now()}`, pool, schema });
  await memory.index(documents, { chunking: false });
  await postgres.index(documents, { chunking: false });
  return { memory, postgres };
}

/** Postgres returns the in-memory adapter's ids, in its order, with its scores (to 9 digits). */
async function expectSameRanking(adapters: Awaited<ReturnType<typeof pair>>, query: string, k: number) {
  const expected = await adapters.memory.search(query, { k });
  const actual = await adapters.postgres.search(query, { k });
  expect(
    actual.map((result) => result.id),
    `${query} k=${k}`,
  ).toEqual(expected.map((result) => result.id));
  actual.forEach((result, index) =>
    expect(result.score, `${query} k=${k} → ${result.id}`).toBeCloseTo(expected[index]!.score, 9),
  );
}

describe.skipIf(skip)('PostgresSearchAdapter scores mean what InMemorySearchAdapter scores mean', () => {
  let adapters: Awaited<ReturnType<typeof pair>>;
  beforeAll(async () => {
    adapters = await pair('plain', plain);
  });

  it('gives the same ids, order and scores when both tokenise alike', async () => {
    for (const query of queries) {
      const expected = await adapters.memory.search(query, { k: 10 });
      const actual = await adapters.postgres.search(query, { k: 10 });
      expect(
        actual.map((result) => result.id),
        query,
      ).toEqual(expected.map((result) => result.id));
      actual.forEach((result, index) =>
        expect(result.score, `${query} → ${result.id}`).toBeCloseTo(expected[index]!.score, 9),
      );
    }
  });

  it('keeps the same chunks for the same threshold', async () => {
    for (const threshold of [0.3, 0.5, 0.7, 0.9]) {
      for (const query of queries) {
        const expected = await adapters.memory.search(query, { k: 10, scoreThreshold: threshold });
        const actual = await adapters.postgres.search(query, { k: 10, scoreThreshold: threshold });
        expect(
          actual.map((result) => result.id),
          `${query} @ ${threshold}`,
        ).toEqual(expected.map((result) => result.id));
      }
    }
  });

  it('stays close on ordinary prose, where stemming merges word forms', async () => {
    const prose = await pair('prose', searchConformanceCorpus);
    for (const query of ['reset password', 'password email session', 'install setup wizard', 'billing questions']) {
      const expected = await prose.memory.search(query, { k: 10 });
      const actual = await prose.postgres.search(query, { k: 10 });
      expect(actual[0]?.id, query).toBe(expected[0]?.id);
      for (const result of actual) {
        const twin = expected.find((candidate) => candidate.id === result.id);
        if (twin !== undefined)
          expect(Math.abs(twin.score - result.score), `${query} → ${result.id}`).toBeLessThan(0.15);
      }
    }
  });

  it('ranks inside the database exactly: common words pruned, any k, same ids and scores as the full ranking', async () => {
    // "omni" is in every chunk and "kettle" in most, "quartz" and "zephyr" in few: the
    // engine ranks only chunks holding the rarer words unless the k-th best cannot be proven.
    const documents: SearchDocument[] = Array.from({ length: 120 }, (_, index) => ({
      id: `d${index}`,
      content: [
        'omni '.repeat((index % 3) + 1),
        index % 10 < 7 ? 'kettle' : '',
        index % 5 === 0 ? 'lantern lantern' : '',
        index % 17 === 0 ? 'quartz' : '',
        index % 29 === 0 ? 'zephyr' : '',
        `filler${index}`,
      ].join(' '),
    }));
    const pruning = await pair('pruning', documents);
    for (const query of [
      'omni kettle quartz',
      'omni kettle lantern zephyr',
      'omni kettle',
      'omni quartz',
      'kettle lantern',
    ]) {
      for (const k of [1, 3, 5, 12]) {
        await expectSameRanking(pruning, query, k);
      }
    }
  });

  it('prunes by estimated co-occurrence exactly: random Zipf text, same ids and scores as in memory', async () => {
    // Consonant-only words: the english configuration neither stems nor drops them.
    const { documents, queries } = zipfCorpus();
    const zipf = await pair('zipf', documents);
    for (const text of queries) {
      for (const k of [1, 5]) {
        await expectSameRanking(zipf, text, k);
      }
    }
  });

  it('counts term frequencies beyond one occurrence exactly', async () => {
    const repeats = await pair('repeats', [
      { id: 'many', content: 'quasar '.repeat(40) },
      { id: 'some', content: 'quasar quasar quasar nebula' },
      { id: 'one', content: 'quasar nebula nebula pulsar' },
    ]);
    const expected = await repeats.memory.search('quasar nebula pulsar', { k: 3 });
    const actual = await repeats.postgres.search('quasar nebula pulsar', { k: 3 });
    expect(actual.map((result) => result.id)).toEqual(expected.map((result) => result.id));
    actual.forEach((result, index) => expect(result.score).toBeCloseTo(expected[index]!.score, 9));
  });
});
