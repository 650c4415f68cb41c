import type { SearchAdapter, SearchResult } from '@dk/spec';
import { InMemorySearchAdapter } from '@dk/rag';
import { describe, expect, it } from 'vitest';
import { evaluateRetrieval, loadRetrievalEvalSet, recallAtK, reciprocalRank } from './retrieval-eval.js';

describe('retrieval evaluation', () => {
  it('recall@k and reciprocal rank', () => {
    expect(recallAtK(['a', 'b', 'c'], ['c', 'z'], 2)).toBe(0);
    expect(recallAtK(['a', 'b', 'c'], ['c', 'z'], 3)).toBe(0.5);
    expect(reciprocalRank(['a', 'b', 'c'], ['c', 'b'], 10)).toBe(0.5);
    expect(reciprocalRank(['a', 'b', 'c'], ['c'], 2)).toBe(0);
  });

  it('ships at least 30 labelled questions over the frozen corpus', () => {
    const set = loadRetrievalEvalSet();
    expect(set.questions.length).toBeGreaterThanOrEqual(30);
    expect(new Set(set.chunks.map((chunk) => chunk.id)).size).toBe(set.chunks.length);
    expect(new Set(set.questions.map((question) => question.id)).size).toBe(set.questions.length);
  });

  it('scores an oracle at 1, a reversed oracle lower, and keyword search in between', async () => {
    const set = loadRetrievalEvalSet();
    const byQuestion = new Map(set.questions.map((question) => [question.question, question.relevant]));
    const oracle = (reverse: boolean): SearchAdapter => ({
      specificationVersion: 'v1',
      name: 'oracle',
      search: (query) => {
        const relevant = byQuestion.get(query)!;
        const filler = set.chunks.filter((chunk) => !relevant.includes(chunk.id)).slice(0, 10 - relevant.length);
        const ordered = reverse
          ? [...filler, ...relevant.map((id) => ({ id }))]
          : [...relevant.map((id) => ({ id })), ...filler];
        return Promise.resolve(
          ordered.map(({ id }) => ({ id, content: '', score: 1, metadata: {} }) satisfies SearchResult),
        );
      },
    });
    const keyword = new InMemorySearchAdapter({ name: 'bm25', documents: set.chunks });
    const [perfect, reversed, bm25] = await evaluateRetrieval(set, [
      { name: 'oracle', adapter: oracle(false) },
      { name: 'reversed', adapter: oracle(true) },
      { name: 'bm25', adapter: keyword },
    ]);
    expect(perfect).toMatchObject({ recallAt5: 1, mrr: 1, misses: [] });
    expect(reversed!.mrr).toBeLessThan(0.5);
    expect(bm25!.recallAt5).toBeGreaterThan(0);
    expect(bm25!.recallAt5).toBeLessThanOrEqual(1);
  });
});
