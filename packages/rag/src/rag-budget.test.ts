import type { SearchAdapter, SearchResult } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { cutToBudget, estimateRagTokens } from './rag-budget.js';
import { RagConfigError } from './rag-config-error.js';
import { defaultRagEmptyText } from './rag-config.js';
import { runRagSearches } from './run-rag-searches.js';

/** An adapter returning fixed results (best first). */
function fixed(name: string, results: readonly SearchResult[]): SearchAdapter {
  return {
    specificationVersion: 'v1',
    name,
    search: (_query, options = {}) => Promise.resolve(results.slice(0, options.k ?? 5)),
  };
}
const item = (id: string, score: number, length: number): SearchResult => ({
  id,
  content: 'x'.repeat(length),
  score,
  metadata: {},
});

describe('cutToBudget', () => {
  it('keeps items while they fit and cuts at the first that does not', () => {
    const items = [
      { tokens: 3, score: 0.9 },
      { tokens: 4, score: 0.8 },
      { tokens: 1, score: 0.7 },
    ];
    expect(cutToBudget(items, 7)).toEqual({ kept: items.slice(0, 2), dropped: items.slice(2), usedTokens: 7 });
    // the small third item would fit, but it ranks below a dropped one: still cut
    expect(cutToBudget(items, 6)).toEqual({ kept: items.slice(0, 1), dropped: items.slice(1), usedTokens: 3 });
    expect(cutToBudget(items, 2).kept).toEqual([]);
    expect(estimateRagTokens('abcde')).toBe(2);
  });
});

describe('RAG token budgets', () => {
  const template = '{{content}}';
  it('cuts a config at item boundaries and reports the budget and the dropped items', async () => {
    const adapters = new Map([['docs', fixed('docs', [item('a', 0.9, 40), item('b', 0.8, 40), item('c', 0.7, 40)])]]);
    // each item costs 10 tokens, each separator "||" 1 token
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'docs', query: 'q', item_template: template, separator: '||', max_tokens: 21 } },
      ],
      adapters,
      params: {},
    });
    const run = outcome.runs[0]!;
    expect(run.results.map((result) => result.id)).toEqual(['a', 'b']);
    expect(outcome.values['RAG_CONTENT']).toBe(`${'x'.repeat(40)}||${'x'.repeat(40)}`);
    expect(run.maxTokens).toBe(21);
    expect(run.tokens).toBe(21);
    expect(run.dropped).toEqual([{ id: 'c', score: 0.7, tokens: 11, budget: 'config' }]);
    expect(run.retrieved.map((result) => result.id)).toEqual(['a', 'b', 'c']);
    expect(outcome.budget).toBeUndefined();
  });

  it('a prompt budget lets configs compete in score order, citations stay consecutive', async () => {
    const adapters = new Map([
      ['docs', fixed('docs', [item('d1', 0.9, 40), item('d2', 0.5, 40)])],
      ['code', fixed('code', [item('c1', 0.8, 40), item('c2', 0.7, 40)])],
    ]);
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'docs', query: 'q', item_template: template, separator: '', placeholder: 'DOCS' } },
        { config: { adapter_name: 'code', query: 'q', item_template: template, separator: '', placeholder: 'CODE' } },
      ],
      adapters,
      params: {},
      maxTokens: 30,
    });
    expect(outcome.runs[0]!.results.map((result) => [result.id, result.citation])).toEqual([['d1', 1]]);
    expect(outcome.runs[1]!.results.map((result) => [result.id, result.citation])).toEqual([
      ['c1', 2],
      ['c2', 3],
    ]);
    expect(outcome.runs[0]!.dropped).toEqual([{ id: 'd2', score: 0.5, tokens: 10, budget: 'prompt' }]);
    expect(outcome.budget).toEqual({
      maxTokens: 30,
      usedTokens: 30,
      dropped: [{ id: 'd2', score: 0.5, tokens: 10, budget: 'prompt', placeholder: 'DOCS', adapterName: 'docs' }],
    });
    expect(outcome.values).toEqual({ DOCS: 'x'.repeat(40), CODE: 'x'.repeat(80) });
  });

  it('counts with a custom counter, drops a first item larger than the budget, and rejects bad budgets', async () => {
    const adapters = new Map([['docs', fixed('docs', [item('big', 0.9, 400), item('small', 0.8, 4)])]]);
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q', item_template: template } }],
      adapters,
      params: {},
      maxTokens: 50,
      countTokens: (text) => text.length,
    });
    expect(outcome.runs[0]!.results).toEqual([]);
    expect(outcome.values['RAG_CONTENT']).toBe(defaultRagEmptyText);
    expect(outcome.warnings).toEqual([
      'RAG search for RAG_CONTENT on adapter "docs": the token budget left out all 2 results.',
    ]);
    expect(outcome.budget!.dropped.map((dropped) => dropped.id)).toEqual(['big', 'small']);
    await expect(runRagSearches({ requests: [], adapters, params: {}, maxTokens: 0 })).rejects.toThrow(RagConfigError);
    await expect(
      runRagSearches({
        requests: [{ config: { adapter_name: 'docs', query: 'q', max_tokens: 2.5 } }],
        adapters,
        params: {},
      }),
    ).rejects.toThrow(/max_tokens must be a positive integer/);
  });

  it('charges the default fenced item template, so retrieved text cannot overflow the budget', async () => {
    const adapters = new Map([['docs', fixed('docs', [item('a', 0.9, 100), item('b', 0.8, 100)])]]);
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q', max_tokens: 60 } }],
      adapters,
      params: {},
    });
    const run = outcome.runs[0]!;
    expect(run.results.map((result) => result.id)).toEqual(['a']);
    expect(estimateRagTokens(run.content)).toBeLessThanOrEqual(60);
    expect(run.tokens).toBe(estimateRagTokens(run.content));
  });
});
