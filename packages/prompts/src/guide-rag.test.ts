// The guide's RAG practices and "Mock External Dependencies", written as the guide writes them
// (camelCase aside), asserting what the guide says happens.
import { defaultRagEmptyText, InMemorySearchAdapter } from '@dk/rag';
import { RagSearchError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';

const docsQa =
  'Use these reference documents:\n\n{{RAG_CONTENT}}\n\n---\n\nQuestion: {{question}}\n\nAnswer based on the documents above.\n';

const library = new ConfigPromptLibrary({
  system: {
    prompt_with_rag: {
      template: docsQa,
      rag_configs: [{ adapter_name: 'docs', query: '{{topic}}', item_template: '{{content}}' }],
    },
    code_helper: {
      template: 'Relevant code examples:\n{{RAG_CONTENT}}\n\nHelp with: {{question}}\n',
      rag_config_refs: ['code_search'],
    },
  },
  rag: {
    // rag/code_search.yaml, as the guide writes it
    code_search: {
      adapter_name: 'codebase',
      query: '{{language}} {{topic}}',
      k: 5,
      filters: { type: 'code' },
      score_threshold: 0.7,
    },
  },
});

/** An adapter that never answers and ignores its abort signal: a hung search service. */
const hungAdapter = { search: () => new Promise<never>(() => {}) };

describe('guide: Mock External Dependencies', () => {
  it('test_with_mocked_adapter: a plain object with search() is an adapter, named by its key', async () => {
    // Mock adapter
    let calls = 0;
    const mockAdapter = {
      search: async () => {
        calls++;
        return [{ content: 'Test result', score: 0.9 }];
      },
    };

    const builder = new PromptBuilder({
      library: library,
      adapters: { docs: mockAdapter },
    });

    const result = await builder.renderSystemPrompt('prompt_with_rag', { params: { topic: 'testing' } });

    // Verify adapter was called
    expect(calls).toBe(1);
    expect(result.content).toContain('Test result');
    expect(result.rag[0]).toMatchObject({ adapterName: 'docs', status: 'ok', query: 'testing' });
    expect(result.rag[0]!.results[0]).toMatchObject({ content: 'Test result', score: 0.9, metadata: {} });
  });

  it('an adapter result that is not usable gets a typed error naming the adapter and the field', async () => {
    const builder = new PromptBuilder({
      library,
      adapters: { docs: { search: async () => [{ text: 'x' }] as never } },
    });
    await expect(builder.renderSystemPrompt('prompt_with_rag', { params: { topic: 't' } })).rejects.toSatisfy(
      (error) =>
        RagSearchError.isInstance(error) &&
        error.code === 'RAG_RESULT_INVALID' &&
        /RAG adapter "docs" returned result 0 without a string `content`/.test(error.message),
    );
  });
});

// The guide's own code_search example, over a small real codebase index.
const codebaseDocuments = [
  {
    id: 'src/fetch.py',
    content: 'Python asyncio example: gather several HTTP requests concurrently with asyncio.gather',
    metadata: { type: 'code' },
  },
  {
    id: 'src/loop.py',
    content: 'Python asyncio event loop: create tasks, await them and close the loop',
    metadata: { type: 'code' },
  },
  { id: 'docs/asyncio.md', content: 'Python asyncio explained for beginners', metadata: { type: 'docs' } },
  {
    id: 'src/strings.py',
    content: 'Python string helpers: slugify, truncate and pad text',
    metadata: { type: 'code' },
  },
  {
    id: 'src/csv_export.py',
    content: 'Python CSV export of report rows with the csv module',
    metadata: { type: 'code' },
  },
  { id: 'src/server.rs', content: 'Rust tokio server accepting connections', metadata: { type: 'code' } },
];

describe('guide: Set Appropriate k and Thresholds', () => {
  it('"Start with k=5, score_threshold=0.7": a natural question keeps its good matches on a real keyword index', async () => {
    const codebase = new InMemorySearchAdapter({ name: 'codebase', documents: codebaseDocuments });
    const builder = new PromptBuilder({ library, adapters: [codebase] });

    const result = await builder.renderSystemPrompt('code_helper', {
      params: { language: 'Python', topic: 'asyncio', question: 'How do I run requests in parallel?' },
    });

    // The asyncio code is kept; Python code about other things (strings, CSV) is not, nor the docs (filter).
    expect(result.rag[0]).toMatchObject({ status: 'ok', query: 'Python asyncio', scoreThreshold: 0.7 });
    expect(result.rag[0]!.results.map((item) => item.id).sort()).toEqual(['src/fetch.py', 'src/loop.py']);
    for (const item of result.rag[0]!.results) expect(item.score).toBeGreaterThanOrEqual(0.7);
    expect(result.rag[0]!.belowThreshold).toBe(2);
    expect(result.warnings).toEqual([]);
    expect(result.content).toContain('Python asyncio event loop');
    expect(result.content).not.toContain('slugify');
  });

  it('"Start with k=5, score_threshold=0.7": an off-topic question gets a warning and a status, never a silent empty block', async () => {
    const codebase = new InMemorySearchAdapter({ name: 'codebase', documents: codebaseDocuments });
    const builder = new PromptBuilder({ library, adapters: [codebase] });

    const result = await builder.renderSystemPrompt('code_helper', {
      params: { language: 'Python', topic: 'garden snakes of the desert', question: 'Are pythons venomous?' },
    });

    // "Python" matches every code file, but nothing answers the question: every score is under 0.7.
    expect(result.rag[0]).toMatchObject({ status: 'filtered', results: [], belowThreshold: 4 });
    for (const item of result.rag[0]!.retrieved) expect(item.score).toBeLessThan(0.5);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^RAG search for RAG_CONTENT on adapter "codebase": score_threshold 0\.7 removed all 4 results \(best score 0(?:\.\d+)?\)\. Lower the threshold or check the query\.$/,
    );
    expect(result.content).toBe(
      `Relevant code examples:\n${defaultRagEmptyText}\n\nHelp with: Are pythons venomous?\n`,
    );
  });

  it('a threshold that removes everything is reported, whatever the adapter scores', async () => {
    // An adapter with its own low scores: all below the guide's 0.7.
    const codebase = {
      search: async () => [
        { id: 'src/fetch.py', content: 'asyncio example', score: 0.48, metadata: { type: 'code' } },
        { id: 'src/util.py', content: 'string helpers', score: 0.21, metadata: { type: 'code' } },
      ],
    };
    const builder = new PromptBuilder({ library, adapters: { codebase } });
    const result = await builder.renderSystemPrompt('code_helper', {
      params: { language: 'Python', topic: 'asyncio', question: 'Why is my loop blocked?' },
    });
    expect(result.rag[0]).toMatchObject({ status: 'filtered', belowThreshold: 2, results: [] });
    expect(result.warnings).toEqual([
      'RAG search for RAG_CONTENT on adapter "codebase": score_threshold 0.7 removed all 2 results (best score 0.48). Lower the threshold or check the query.',
    ]);
    expect(result.content).toBe(
      `Relevant code examples:\n${defaultRagEmptyText}\n\nHelp with: Why is my loop blocked?\n`,
    );
  });
});

describe('guide: Handle RAG Failures Gracefully', () => {
  it("a hung search times out, so the guide's try/except fallback to include_rag=False runs", async () => {
    const builder = new PromptBuilder({ library, adapters: { docs: hungAdapter }, ragTimeoutMs: 50 });
    let result;
    let logged: unknown;
    try {
      result = await builder.renderSystemPrompt('prompt_with_rag', {
        params: { topic: 't', question: 'Q?' },
        includeRag: true,
      });
    } catch (error) {
      logged = error; // logger.error(f"RAG search failed: {e}")
      // Fallback: render without RAG
      result = await builder.renderSystemPrompt('prompt_with_rag', {
        params: { topic: 't', question: 'Q?' },
        includeRag: false,
      });
    }
    expect(RagSearchError.isInstance(logged) && logged.code).toBe('RAG_SEARCH_TIMEOUT');
    expect(result.content).toBe(
      'Use these reference documents:\n\n---\n\nQuestion: Q?\n\nAnswer based on the documents above.\n',
    );
  });

  it("a timeout under ragFailurePolicy 'omit' renders without the documents and warns", async () => {
    const builder = new PromptBuilder({ library, adapters: { docs: hungAdapter }, ragFailurePolicy: 'omit' });
    const result = await builder.renderSystemPrompt('prompt_with_rag', {
      params: { topic: 't', question: 'Q?' },
      ragTimeoutMs: 30,
    });
    expect(result.rag[0]).toMatchObject({ status: 'failed', error: { code: 'RAG_SEARCH_TIMEOUT' } });
    expect(result.warnings[0]).toMatch(/timed out after 30 ms/);
    expect(result.content).toContain(defaultRagEmptyText);
  });

  it("the caller's AbortSignal ends the render even when the adapter ignores it", async () => {
    const builder = new PromptBuilder({
      library,
      adapters: { docs: hungAdapter },
      ragTimeoutMs: Number.POSITIVE_INFINITY,
    });
    const controller = new AbortController();
    const rendering = builder.renderSystemPrompt('prompt_with_rag', {
      params: { topic: 't' },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('request cancelled')), 10);
    await expect(rendering).rejects.toThrow('request cancelled');
  });
});
