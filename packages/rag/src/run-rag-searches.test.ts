import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchOptions, SearchResult } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { InMemorySearchAdapter } from './in-memory-search-adapter.js';
import { defaultRagEmptyText } from './rag-config.js';
import { runRagSearches } from './run-rag-searches.js';

const docs = new InMemorySearchAdapter({
  name: 'docs',
  documents: [
    { id: 'd1', content: 'Python asyncio tutorial', metadata: { type: 'docs' } },
    { id: 'd2', content: 'Python packaging guide', metadata: { type: 'docs' } },
    { id: 'c1', content: 'asyncio example code in Python', metadata: { type: 'code' } },
  ],
});

class FailingAdapter implements SearchAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'broken';
  async search(): Promise<SearchResult[]> {
    throw new Error('index offline');
  }
}

class GateAdapter implements SearchAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly started: string[] = [];
  readonly queries: { query: string; options: SearchOptions | undefined }[] = [];
  #release!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.#release = resolve));
  constructor(readonly name: string) {}
  release(): void {
    this.#release();
  }
  async search(query: string, options?: SearchOptions): Promise<SearchResult[]> {
    this.started.push(query);
    this.queries.push({ query, options });
    await this.gate;
    return [{ id: `${this.name}-1`, content: `${this.name} result for ${query}`, score: 0.5, metadata: {} }];
  }
}

describe('runRagSearches', () => {
  it('renders queries from params, passes k/filters/threshold, numbers citations across configs', async () => {
    const outcome = await runRagSearches({
      requests: [
        {
          config: {
            adapter_name: 'docs',
            query: '{{language}} {{topic}}',
            k: 2,
            filters: { type: 'docs' },
            placeholder: 'DOCS',
            item_template: '[{{index}}] {{content}}',
            separator: '\n',
          },
        },
        {
          config: {
            adapter_name: 'docs',
            query: '{{topic}}',
            filters: { type: 'code' },
            score_threshold: 0.1,
            item_template: '[{{index}}] {{content}}',
          },
          configName: 'code_search',
        },
      ],
      adapters: new Map([['docs', docs]]),
      params: { language: 'Python', topic: 'asyncio' },
    });
    expect(outcome.values).toEqual({
      DOCS: '[1] Python asyncio tutorial\n[2] Python packaging guide',
      RAG_CONTENT: '[3] asyncio example code in Python',
    });
    const [first, second] = outcome.runs;
    expect(first).toMatchObject({
      placeholder: 'DOCS',
      adapterName: 'docs',
      query: 'Python asyncio',
      k: 2,
      status: 'ok',
      configName: undefined,
    });
    expect(first!.results.map((result) => [result.id, result.citation])).toEqual([
      ['d1', 1],
      ['d2', 2],
    ]);
    expect(second).toMatchObject({ configName: 'code_search', scoreThreshold: 0.1, query: 'asyncio' });
    expect(second!.results[0]!.citation).toBe(3);
    expect(first!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('runs the searches concurrently', async () => {
    const one = new GateAdapter('one');
    const two = new GateAdapter('two');
    const running = runRagSearches({
      requests: [
        { config: { adapter_name: 'one', query: 'a', placeholder: 'A' } },
        { config: { adapter_name: 'two', query: 'b', placeholder: 'B' } },
      ],
      adapters: new Map<string, SearchAdapter>([
        ['one', one],
        ['two', two],
      ]),
      params: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Both searches started before either finished.
    expect([one.started, two.started]).toEqual([['a'], ['b']]);
    one.release();
    two.release();
    const outcome = await running;
    expect(Object.keys(outcome.values)).toEqual(['A', 'B']);
  });

  it('drops missing params from the query and skips a query that renders empty', async () => {
    const gate = new GateAdapter('g');
    gate.release();
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'g', query: '{{topic}} {{framework}}' } },
        { config: { adapter_name: 'g', query: '{{nothing}}', placeholder: 'EMPTY' } },
      ],
      adapters: new Map([['g', gate]]),
      params: { topic: 'routing' },
    });
    expect(gate.queries.map((entry) => entry.query)).toEqual(['routing']);
    expect(outcome.runs[1]).toMatchObject({ status: 'skipped', content: '' });
    expect(outcome.values['EMPTY']).toBe(defaultRagEmptyText);
    expect(outcome.warnings).toEqual([
      'RAG query for EMPTY (adapter "g") rendered empty because its params have no value, so nothing was searched.',
    ]);
  });

  it('throws RagSearchError under the throw policy', async () => {
    const run = runRagSearches({
      requests: [{ config: { adapter_name: 'broken', query: 'x' } }],
      adapters: new Map([['broken', new FailingAdapter()]]),
      params: {},
    });
    await expect(run).rejects.toSatisfy(
      (error) =>
        RagSearchError.isInstance(error) &&
        error.adapterName === 'broken' &&
        /index offline/.test(error.message) &&
        error.placeholder === 'RAG_CONTENT',
    );
  });

  it('leaves the placeholder empty and reports the failure under the omit policy', async () => {
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'broken', query: 'x' } },
        { config: { adapter_name: 'missing', query: 'y', placeholder: 'OTHER' } },
        { config: { adapter_name: 'docs', query: 'packaging', placeholder: 'OK', item_template: '{{content}}' } },
      ],
      adapters: new Map<string, SearchAdapter>([
        ['broken', new FailingAdapter()],
        ['docs', docs],
      ]),
      params: {},
      failurePolicy: 'omit',
    });
    expect(outcome.values).toEqual({
      RAG_CONTENT: defaultRagEmptyText,
      OTHER: defaultRagEmptyText,
      OK: 'Python packaging guide',
    });
    expect(outcome.warnings).toHaveLength(2);
    expect(outcome.warnings[0]).toMatch(/^RAG search for RAG_CONTENT on adapter "broken" failed \(.*index offline/);
    expect(outcome.runs[0]).toMatchObject({
      status: 'failed',
      error: { name: 'RagSearchError', code: 'RAG_SEARCH_FAILED' },
    });
    expect(outcome.runs[1]).toMatchObject({ status: 'failed', error: { code: 'RAG_ADAPTER_NOT_FOUND' } });
    expect(outcome.runs[1]!.error!.message).toMatch(/Known adapters: broken, docs/);
    expect(outcome.runs[2]!.results[0]!.citation).toBe(1);
  });

  it('rejects with the abort reason whatever the policy', async () => {
    const controller = new AbortController();
    const waiting: SearchAdapter = {
      specificationVersion: 'v1',
      name: 'slow',
      search: (_query, options) =>
        new Promise((_resolve, reject) =>
          options?.signal?.addEventListener('abort', () => reject(options.signal!.reason)),
        ),
    };
    const running = runRagSearches({
      requests: [{ config: { adapter_name: 'slow', query: 'x' } }],
      adapters: new Map([['slow', waiting]]),
      params: {},
      failurePolicy: 'omit',
      signal: controller.signal,
    });
    controller.abort(new Error('user cancelled'));
    await expect(running).rejects.toThrow('user cancelled');
    await expect(
      runRagSearches({ requests: [], adapters: new Map(), params: {}, signal: controller.signal }),
    ).rejects.toThrow('user cancelled');
  });

  it('enforces k and score_threshold even when an adapter ignores them', async () => {
    const lax: SearchAdapter = {
      specificationVersion: 'v1',
      name: 'lax',
      search: async () =>
        [0.9, 0.8, 0.4, 0.75].map((score, index) => ({ id: `r${index}`, content: `c${index}`, score, metadata: {} })),
    };
    const outcome = await runRagSearches({
      requests: [
        {
          config: {
            adapter_name: 'lax',
            query: 'x',
            k: 2,
            score_threshold: 0.7,
            item_template: '{{content}}',
            separator: ',',
          },
        },
      ],
      adapters: new Map([['lax', lax]]),
      params: {},
    });
    expect(outcome.runs[0]!.results.map((result) => result.id)).toEqual(['r0', 'r1']);
    expect(outcome.values['RAG_CONTENT']).toBe('c0,c1');
    const loose = await runRagSearches({
      requests: [{ config: { adapter_name: 'lax', query: 'x', score_threshold: 0.78, item_template: '{{content}}' } }],
      adapters: new Map([['lax', lax]]),
      params: {},
    });
    expect(loose.runs[0]!.results.map((result) => result.id)).toEqual(['r0', 'r1']);
  });

  it('says when the score threshold removed everything: status filtered, a count and a warning', async () => {
    const scored = { search: async () => [0.42, 0.3, 0.1].map((score) => ({ content: `c${score}`, score })) };
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'x', score_threshold: 0.7 } }],
      adapters: { docs: scored },
      params: {},
    });
    expect(outcome.runs[0]).toMatchObject({ status: 'filtered', belowThreshold: 3, results: [], content: '' });
    // The cache-facing list keeps what the search returned, so a cache hit can say the same.
    expect(outcome.runs[0]!.retrieved).toHaveLength(3);
    expect(outcome.values['RAG_CONTENT']).toBe(defaultRagEmptyText);
    expect(outcome.warnings).toEqual([
      'RAG search for RAG_CONTENT on adapter "docs": score_threshold 0.7 removed all 3 results (best score 0.42). Lower the threshold or check the query.',
    ]);
  });

  it('reports a search that found nothing as empty, and a partial cut as ok with the count', async () => {
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'none', query: 'x', placeholder: 'A', empty_text: '' } },
        { config: { adapter_name: 'docs', query: 'asyncio', placeholder: 'B', score_threshold: 0.5 } },
      ],
      adapters: { none: { search: async () => [] }, docs },
      params: {},
    });
    expect(outcome.runs[0]).toMatchObject({ status: 'empty', belowThreshold: 0 });
    expect(outcome.values['A']).toBe('');
    expect(outcome.warnings).toEqual(['RAG search for A on adapter "none" returned no results.']);
    const partial = outcome.runs[1]!;
    expect(partial.status).toBe('ok');
    expect(partial.results.length + partial.belowThreshold!).toBe(partial.retrieved.length);
  });

  it('keeps the empty text out of a placeholder another config filled', async () => {
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'none', query: 'x' } },
        { config: { adapter_name: 'docs', query: 'packaging', item_template: '{{content}}' } },
      ],
      adapters: new Map<string, SearchAdapter | { search: () => Promise<never[]> }>([
        ['none', { search: async () => [] }],
        ['docs', docs],
      ]),
      params: {},
    });
    expect(outcome.values['RAG_CONTENT']).toBe('Python packaging guide');
    expect(outcome.warnings).toEqual(['RAG search for RAG_CONTENT on adapter "none" returned no results.']);
  });

  it('accepts any object with search() as an adapter, by the key it is registered under', async () => {
    let calls = 0;
    const mockAdapter = {
      search: async () => {
        calls++;
        return [{ content: 'Test result', score: 0.9 }];
      },
    };
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: '{{topic}}', item_template: '{{content}}' } }],
      adapters: { docs: mockAdapter },
      params: { topic: 'testing' },
    });
    expect(calls).toBe(1);
    expect(outcome.values['RAG_CONTENT']).toBe('Test result');
    expect(outcome.runs[0]!.results[0]).toMatchObject({
      content: 'Test result',
      score: 0.9,
      metadata: {},
      citation: 1,
    });
  });

  it('refuses unknown options with a did-you-mean', async () => {
    await expect(
      runRagSearches({ requests: [], adapters: {}, params: {}, failure_policy: 'omit' } as never),
    ).rejects.toThrow(/`failure_policy` \(did you mean `failurePolicy`\?\)/);
    await expect(
      runRagSearches({ requests: [], adapters: {}, params: {}, failurePolicy: 'skip' } as never),
    ).rejects.toThrow(/failurePolicy must be 'throw' or 'omit'/);
  });
});
