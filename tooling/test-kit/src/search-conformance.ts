import { RagSearchError } from '@dk/spec';
import type { IndexableSearchAdapter, IndexProgress, SearchDocument, SearchResult } from '@dk/spec';
import { afterEach, describe, expect, it } from 'vitest';

/** How the search-adapter conformance suite obtains a fresh, empty adapter for each test. */
export interface SearchAdapterConformanceOptions {
  /** Returns a new adapter with no documents, named `name` (its own collection, file or instance). */
  readonly createAdapter: (name: string) => Promise<IndexableSearchAdapter> | IndexableSearchAdapter;
  /** Documents the adapter writes per batch (per progress report) in `index()`. */
  readonly batchSize: number;
  /** Optional behaviour the adapter does not have (default: it has it all). */
  readonly capabilities?: SearchCapabilities;
  /** Skip the whole suite (e.g. a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}

/** Optional adapter behaviour; an adapter without one still passes the rest of the suite. */
export interface SearchCapabilities {
  /**
   * Scores from BM25 coverage (dk's keyword adapters): a query part of whose terms no
   * document holds keeps its best match below 1. Default `true`; `false` for vector and
   * hybrid adapters. Every adapter must score on dk's one scale (`calibrateScore`).
   */
  readonly bm25Scores?: boolean;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to reject');
}

async function expectRagError(promise: Promise<unknown>, code: string): Promise<RagSearchError> {
  const error = await rejection(promise);
  expect(RagSearchError.isInstance(error), `expected RagSearchError ${code}, got ${String(error)}`).toBe(true);
  expect((error as RagSearchError).code).toBe(code);
  return error as RagSearchError;
}

const ids = (results: readonly SearchResult[]): string[] => results.map((result) => result.id);

/** A small corpus whose ranking is unambiguous for the queries below. */
export const searchConformanceCorpus: readonly SearchDocument[] = [
  {
    id: 'faq/password',
    content: 'To reset your password open the account page and choose reset password. A reset link arrives by email.',
    metadata: { type: 'faq', lang: 'en', priority: 1 },
  },
  {
    id: 'faq/billing',
    content: 'Invoices are sent monthly. Billing questions go to the finance team.',
    metadata: { type: 'faq', lang: 'en', priority: 2 },
  },
  {
    id: 'docs/install',
    content: 'Install the command line tool with the package manager, then run the setup wizard.',
    metadata: { type: 'docs', lang: 'en', priority: 1 },
  },
  {
    id: 'docs/security',
    content: 'Passwords are hashed with a slow function. Never email a password to anyone.',
    metadata: { type: 'docs', lang: 'en', priority: 3, internal: true },
  },
  {
    id: 'docs/cafe',
    content: 'Le café sert une crème brûlée. 東京 タワー guide. Emoji 🚀 launch notes.',
    metadata: { type: 'docs', lang: 'fr', priority: 2 },
  },
  {
    id: 'code/login',
    content: 'function login(user, password) checks the password hash and returns a session token.',
    metadata: { type: 'code', lang: 'en' },
  },
];

/**
 * The search-adapter conformance suite: every `IndexableSearchAdapter` (in memory, SQLite
 * FTS5, PostgreSQL full-text, vector, hybrid) runs it, declaring in `capabilities` what it
 * lacks. Covers ranking sanity, `k`, `scoreThreshold`, metadata filters, chunk ids,
 * re-indexing, deletion, progress and abort, typed errors for bad input, query text that
 * looks like search syntax, Unicode, and close.
 */
export function runSearchAdapterConformance(label: string, options: SearchAdapterConformanceOptions): void {
  describe.skipIf(options.skip === true)(`search adapter conformance: ${label}`, () => {
    const open: IndexableSearchAdapter[] = [];
    let counter = 0;
    const fresh = async (): Promise<IndexableSearchAdapter> => {
      const adapter = await options.createAdapter(`conformance_${Date.now().toString(36)}_${(counter += 1)}`);
      open.push(adapter);
      return adapter;
    };
    const withCorpus = async (): Promise<IndexableSearchAdapter> => {
      const adapter = await fresh();
      await adapter.index(searchConformanceCorpus, { chunking: false });
      return adapter;
    };
    afterEach(async () => {
      for (const adapter of open.splice(0)) await adapter.close?.();
    });

    it('implements contract v1 and ranks the most relevant chunk first', async () => {
      const adapter = await withCorpus();
      expect(adapter.specificationVersion).toBe('v1');
      const results = await adapter.search('how do I reset my password');
      expect(results[0]?.id).toBe('faq/password#0');
      expect(results[0]?.content).toBe(searchConformanceCorpus[0]!.content);
      expect(results[0]?.metadata).toMatchObject({
        type: 'faq',
        lang: 'en',
        priority: 1,
        documentId: 'faq/password',
        chunkIndex: 0,
      });
      expect(ids(results)).toContain('code/login#0');
      expect(ids(results)).not.toContain('faq/billing#0');
      for (const result of results) {
        expect(result.score).toBeGreaterThan(0);
        expect(result.score).toBeLessThanOrEqual(1);
      }
      const scores = results.map((result) => result.score);
      expect(scores).toEqual([...scores].sort((left, right) => right - left));
    });

    it("scores on dk's one scale: 1 for the best match of an answered query, low for an off-topic query", async () => {
      const adapter = await withCorpus();
      const [full] = await adapter.search('reset password');
      expect(full?.id).toBe('faq/password#0');
      expect(full?.score).toBeCloseTo(1, 6);
      // The guide's "start with k=5, score_threshold=0.7" keeps the good match of a natural question.
      const kept = await adapter.search('how do I reset my password', { k: 5, scoreThreshold: 0.7 });
      expect(kept[0]?.id).toBe('faq/password#0');
      for (const result of kept) expect(result.score).toBeGreaterThanOrEqual(0.7);
      // A question mostly about things the documents do not hold: matches, but none scores near 1.
      const offTopic = await adapter.search('spaceship rocket orbit galaxy invoices', { k: 5 });
      expect(ids(offTopic)).toContain('faq/billing#0');
      for (const result of offTopic) expect(result.score).toBeLessThan(0.5);
      for (const threshold of [0.5, 0.7, 0.8]) {
        expect(await adapter.search('spaceship rocket orbit galaxy invoices', { scoreThreshold: threshold })).toEqual(
          [],
        );
      }
      // Scores do not depend on k or on the threshold asked for.
      const wide = await adapter.search('password email session', { k: 10 });
      const narrow = await adapter.search('password email session', { k: 2, scoreThreshold: wide[1]!.score });
      expect(narrow).toEqual(wide.slice(0, 2));
    });

    it.runIf(options.capabilities?.bm25Scores ?? true)(
      "keyword scores: a query whose one known word matches keeps that match at the guide's 0.7",
      async () => {
        const adapter = await withCorpus();
        // Like "How do branches work?" over a corpus without "work": the word in no document
        // weighs the most, yet the document holding the rest is the answer.
        const partial = await adapter.search('invoices spaceship', { scoreThreshold: 0.7 });
        expect(ids(partial)).toEqual(['faq/billing#0']);
        expect(partial[0]!.score).toBeLessThanOrEqual(1);
        expect(await adapter.search('spaceship')).toEqual([]);
      },
    );

    it('returns at most k results, 5 by default', async () => {
      const adapter = await fresh();
      await adapter.index(
        Array.from({ length: 12 }, (_, index) => ({
          id: `note-${index}`,
          content: `shared topic note number ${index}`,
        })),
        { chunking: false },
      );
      expect(await adapter.search('shared topic')).toHaveLength(5);
      expect(await adapter.search('shared topic', { k: 2 })).toHaveLength(2);
      expect(await adapter.search('shared topic', { k: 50 })).toHaveLength(12);
    });

    it('drops results under scoreThreshold (inclusive bound)', async () => {
      const adapter = await withCorpus();
      const all = await adapter.search('password email session', { k: 10 });
      expect(all.length).toBeGreaterThan(2);
      const middle = all[1]!.score;
      const kept = await adapter.search('password email session', { k: 10, scoreThreshold: middle });
      expect(ids(kept)).toEqual(ids(all.filter((result) => result.score >= middle)));
      expect(await adapter.search('password email session', { scoreThreshold: 1 })).toEqual(
        all.filter((result) => result.score >= 1),
      );
      expect(await adapter.search('password email session', { scoreThreshold: 0 })).toHaveLength(
        Math.min(5, all.length),
      );
    });

    it('applies metadata equality filters (any-of arrays, missing keys never match) before cutting at k', async () => {
      const adapter = await withCorpus();
      expect(ids(await adapter.search('password', { filters: { type: 'docs' } }))).toEqual(['docs/security#0']);
      expect(ids(await adapter.search('password', { filters: { type: ['faq', 'code'] } })).sort()).toEqual([
        'code/login#0',
        'faq/password#0',
      ]);
      expect(ids(await adapter.search('password', { filters: { internal: true } }))).toEqual(['docs/security#0']);
      expect(ids(await adapter.search('password', { filters: { priority: 1 } }))).toEqual(['faq/password#0']);
      expect(await adapter.search('password', { filters: { priority: '1' } })).toEqual([]);
      expect(await adapter.search('password', { filters: { missing: 'x' } })).toEqual([]);
      expect(ids(await adapter.search('password', { k: 1, filters: { documentId: 'code/login' } }))).toEqual([
        'code/login#0',
      ]);
    });

    it('chunks documents by paragraph with stable ids and overlap', async () => {
      const adapter = await fresh();
      const paragraphs = Array.from(
        { length: 6 },
        (_, index) => `Paragraph ${index} talks about topic${index} in several plain words here.`,
      );
      const document = { id: 'guide', content: paragraphs.join('\n\n'), metadata: { type: 'guide' } };
      const first = await adapter.index([document], { chunking: { maxChars: 120, overlapChars: 20 } });
      expect(first.documents).toBe(1);
      expect(first.chunks).toBeGreaterThan(2);
      const hits = await adapter.search('topic5');
      expect(hits[0]?.id).toBe(`guide#${first.chunks - 1}`);
      expect(hits[0]?.metadata).toMatchObject({ type: 'guide', documentId: 'guide', chunkIndex: first.chunks - 1 });
      const again = await adapter.index([document], { chunking: { maxChars: 120, overlapChars: 20 } });
      expect(again.chunks).toBe(first.chunks);
      expect((await adapter.search('topic5'))[0]?.id).toBe(hits[0]?.id);
      for (const result of await adapter.search('paragraph', { k: 20 }))
        expect(result.content.length).toBeLessThanOrEqual(120);
    });

    it('re-indexing a document replaces all its chunks', async () => {
      const adapter = await fresh();
      const long = Array.from(
        { length: 5 },
        (_, index) => `Old section ${index} mentions zeppelin${index} and airships.`,
      ).join('\n\n');
      const before = await adapter.index(
        [
          { id: 'doc', content: long },
          { id: 'other', content: 'airships elsewhere' },
        ],
        { chunking: { maxChars: 80, overlapChars: 0 } },
      );
      expect(before.chunks).toBeGreaterThan(3);
      await adapter.index([{ id: 'doc', content: 'A short new text about balloons.' }], {
        chunking: { maxChars: 80, overlapChars: 0 },
      });
      expect(await adapter.search('zeppelin4')).toEqual([]);
      expect(ids(await adapter.search('airships', { k: 20 }))).toEqual(['other#0']);
      expect(ids(await adapter.search('balloons'))).toEqual(['doc#0']);
    });

    it('deletes documents and reports how many existed', async () => {
      const adapter = await withCorpus();
      expect(await adapter.deleteDocuments(['faq/password', 'code/login', 'never-indexed'])).toBe(2);
      expect(ids(await adapter.search('password', { k: 10 }))).toEqual(['docs/security#0']);
      expect(await adapter.deleteDocuments([])).toBe(0);
      expect(await adapter.deleteDocuments(['faq/password'])).toBe(0);
      await adapter.index([searchConformanceCorpus[0]!], { chunking: false });
      expect((await adapter.search('reset password'))[0]?.id).toBe('faq/password#0');
    });

    it('reports progress per batch and stops between batches when aborted', async () => {
      const adapter = await fresh();
      const count = options.batchSize * 2 + 1;
      const documents = Array.from({ length: count }, (_, index) => ({
        id: `d${index}`,
        content: `batch item ${index} marker${index}`,
      }));
      const progress: IndexProgress[] = [];
      const done = await adapter.index(documents, { chunking: false, onProgress: (update) => progress.push(update) });
      expect(done).toEqual({ documents: count, chunks: count });
      expect(progress.map((update) => update.documentsIndexed)).toEqual([
        options.batchSize,
        options.batchSize * 2,
        count,
      ]);
      expect(progress.at(-1)).toEqual({ documentsIndexed: count, documentsTotal: count, chunksIndexed: count });

      const second = await fresh();
      const controller = new AbortController();
      const reason = new Error('stop indexing');
      const error = await rejection(
        second.index(documents, {
          chunking: false,
          signal: controller.signal,
          onProgress: () => controller.abort(reason),
        }),
      );
      expect(error).toBe(reason);
      expect(ids(await second.search('marker0'))).toEqual(['d0#0']);
      expect(await second.search(`marker${count - 1}`)).toEqual([]);
    });

    it('rejects an aborted search with the signal reason', async () => {
      const adapter = await withCorpus();
      const controller = new AbortController();
      const reason = new Error('user left');
      controller.abort(reason);
      expect(await rejection(adapter.search('password', { signal: controller.signal }))).toBe(reason);
    });

    it('rejects bad options and documents with typed errors before writing anything', async () => {
      const adapter = await withCorpus();
      await expectRagError(adapter.search('password', { k: 0 }), 'RAG_SEARCH_OPTIONS_INVALID');
      await expectRagError(adapter.search('password', { k: 1.5 }), 'RAG_SEARCH_OPTIONS_INVALID');
      await expectRagError(adapter.search('password', { scoreThreshold: 1.5 }), 'RAG_SEARCH_OPTIONS_INVALID');
      await expectRagError(adapter.search('password', { scoreThreshold: Number.NaN }), 'RAG_SEARCH_OPTIONS_INVALID');
      await expectRagError(
        adapter.search('password', { filters: [] as unknown as Record<string, unknown> }),
        'RAG_SEARCH_OPTIONS_INVALID',
      );
      const good = { id: 'fresh-doc', content: 'uniqueword' };
      const bad: unknown[] = [
        [good, { id: '', content: 'x' }],
        [good, { id: 'x' }],
        [good, { id: 'x', content: 42 }],
        [good, good],
        [good, { id: 'y', content: 'x', metadata: { when: new Date() } }],
        [good, { id: 'z', content: 'x', metadata: { score: Number.POSITIVE_INFINITY } }],
        [good, null],
      ];
      for (const documents of bad) {
        await expectRagError(adapter.index(documents as SearchDocument[]), 'RAG_INDEX_INVALID');
      }
      await expectRagError(adapter.index([good], { chunking: { maxChars: 10 } }), 'RAG_INDEX_INVALID');
      await expectRagError(
        adapter.index([good], { chunking: { maxChars: 100, overlapChars: 60 } }),
        'RAG_INDEX_INVALID',
      );
      expect(await adapter.search('uniqueword')).toEqual([]);
    });

    it('treats query text as words: quotes, operators and punctuation never cause syntax errors', async () => {
      const adapter = await withCorpus();
      const queries = [
        '"reset password',
        'reset AND password OR NOT',
        'pass*',
        'type:faq password',
        'NEAR(reset password)',
        "reset & password | !email <-> ('x')",
        "o'brien \\ password",
        '-password +reset ^2 {x} [y]',
        '',
        '   ',
        '%_ ; DROP TABLE x; --',
      ];
      for (const query of queries) {
        const results = await adapter.search(query);
        expect(Array.isArray(results), query).toBe(true);
      }
      expect((await adapter.search('"reset password'))[0]?.id).toBe('faq/password#0');
      expect((await adapter.search('type:faq password'))[0]?.id).toBeDefined();
      expect(await adapter.search('')).toEqual([]);
    });

    it('indexes and finds non-Latin and accented text', async () => {
      const adapter = await withCorpus();
      expect(ids(await adapter.search('crème'))).toEqual(['docs/cafe#0']);
      expect(ids(await adapter.search('café'))).toEqual(['docs/cafe#0']);
      expect(ids(await adapter.search('東京'))).toEqual(['docs/cafe#0']);
      await adapter.index([{ id: 'emoji 🚀/ü', content: 'Zürich straße naïve', metadata: { title: 'Grüße 🚀' } }], {
        chunking: false,
      });
      const [hit] = await adapter.search('zürich');
      expect(hit?.id).toBe('emoji 🚀/ü#0');
      expect(hit?.metadata).toMatchObject({ title: 'Grüße 🚀' });
    });

    it('keeps documents of other adapters apart and fails after close', async () => {
      const first = await withCorpus();
      const second = await fresh();
      await second.index([{ id: 'only-here', content: 'password manager tips' }], { chunking: false });
      expect(ids(await second.search('password', { k: 10 }))).toEqual(['only-here#0']);
      expect(ids(await first.search('password', { k: 10 }))).not.toContain('only-here#0');
      await second.close?.();
      await second.close?.();
      await expectRagError(second.search('password'), 'RAG_ADAPTER_CLOSED');
      await expectRagError(second.index([{ id: 'a', content: 'b' }]), 'RAG_ADAPTER_CLOSED');
    });
  });
}
