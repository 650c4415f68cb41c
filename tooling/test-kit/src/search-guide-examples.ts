import { ConfigPromptLibrary, PromptBuilder } from '@dk/prompts';
import { defaultRagEmptyText } from '@dk/rag';
import { RagSearchError } from '@dk/spec';
import type { IndexableSearchAdapter, SearchAdapter } from '@dk/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How the guide's RAG examples obtain adapters for one provider. */
export interface GuideRagExamplesOptions {
  /** Returns a new, empty adapter named `name` (`codebase`, `docs`). */
  readonly createAdapter: (name: string) => Promise<IndexableSearchAdapter> | IndexableSearchAdapter;
  /** Returns an adapter named `name` whose searches fail for a real reason (closed database, unreachable server). */
  readonly createBrokenAdapter: (name: string) => Promise<SearchAdapter> | SearchAdapter;
  /** Skip the whole suite (e.g. a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}

// The best-practices guide's RAG section, as configs and prompts (see its "RAG Best Practices").
const library = new ConfigPromptLibrary({
  name: 'guide',
  rag: {
    // "Separate RAG Configs from Prompts"
    code_search: {
      adapter_name: 'codebase',
      query: '{{language}} {{topic}}',
      k: 5,
      filters: { type: 'code' },
      score_threshold: 0.7,
    },
    // "Parameterize RAG Queries"
    docs_search: { adapter_name: 'docs', query: '{{topic}} {{language}} {{framework}}', k: 5 },
    // "Set Appropriate k and Thresholds"
    broad: { adapter_name: 'codebase', query: '{{language}} {{topic}}', k: 10, score_threshold: 0.5 },
    precise: { adapter_name: 'codebase', query: '{{language}} {{topic}}', k: 3, score_threshold: 0.8 },
    recall: { adapter_name: 'codebase', query: '{{language}} {{topic}}', k: 20, score_threshold: 0.3 },
  },
  system: {
    code_helper: {
      template: 'Relevant code examples:\n{{RAG_CONTENT}}\n\nHelp with: {{question}}\n',
      rag_config_refs: ['code_search'],
    },
    // "Format RAG Content Clearly"
    docs_qa: {
      template:
        'Use these reference documents:\n\n{{RAG_CONTENT}}\n\n---\n\nQuestion: {{question}}\n\nAnswer based on the documents above.\n',
      defaults: { language: 'Python' },
      rag_config_refs: ['docs_search'],
    },
    broad_context: { template: '{{RAG_CONTENT}}', rag_config_refs: ['broad'] },
    precise_context: { template: '{{RAG_CONTENT}}', rag_config_refs: ['precise'] },
    recall_context: { template: '{{RAG_CONTENT}}', rag_config_refs: ['recall'] },
  },
});

const code = [
  {
    id: 'src/fetch.py',
    content: 'Python asyncio example: gather several HTTP requests concurrently',
    metadata: { type: 'code' },
  },
  { id: 'docs/asyncio.md', content: 'Python asyncio explained for beginners', metadata: { type: 'docs' } },
  { id: 'src/util.py', content: 'Python string helpers', metadata: { type: 'code' } },
  {
    id: 'src/loop.py',
    content: 'Python asyncio event loop with asyncio tasks and asyncio queues',
    metadata: { type: 'code' },
  },
  { id: 'src/server.rs', content: 'Rust tokio server', metadata: { type: 'code' } },
];
const docs = [
  { id: 'fastapi/routing', content: 'Routing in FastAPI with Python decorators', metadata: {} },
  { id: 'django/models', content: 'Django models map Python classes to tables', metadata: {} },
];

/**
 * The guide's RAG examples (separate configs, parameterised queries, k/threshold choices,
 * failure fallback, clear formatting) rendered by `PromptBuilder` against real adapters of
 * one provider.
 */
export function runGuideRagExamples(label: string, options: GuideRagExamplesOptions): void {
  describe.skipIf(options.skip === true)(`guide RAG examples: ${label}`, () => {
    const adapters: SearchAdapter[] = [];
    let builder: PromptBuilder;
    beforeAll(async () => {
      const codebase = await options.createAdapter('codebase');
      const docsAdapter = await options.createAdapter('docs');
      adapters.push(codebase, docsAdapter);
      await codebase.index(code, { chunking: false });
      await docsAdapter.index(docs, { chunking: false });
      builder = new PromptBuilder({ library, adapters: [codebase, docsAdapter] });
    });
    afterAll(async () => {
      for (const adapter of adapters) await adapter.close?.();
    });

    it('separate RAG configs: the referenced config filters by type and applies its score threshold', async () => {
      const result = await builder.renderSystemPrompt('code_helper', {
        params: { language: 'Python', topic: 'asyncio', question: 'How do I run requests in parallel?' },
      });
      const [run] = result.rag;
      expect(run).toMatchObject({
        configName: 'code_search',
        adapterName: 'codebase',
        query: 'Python asyncio',
        k: 5,
        scoreThreshold: 0.7,
        filters: { type: 'code' },
      });
      // docs/asyncio.md is type docs; util.py matches only "Python" (under 0.7); loop.py says
      // asyncio three times, so it outranks fetch.py.
      expect(run!.results.map((item) => item.id)).toEqual(['src/loop.py#0', 'src/fetch.py#0']);
      expect(result.content).toBe(
        'Relevant code examples:\n' +
          '<document index="1" source="src/loop.py#0" trust="untrusted">\nPython asyncio event loop with asyncio tasks and asyncio queues\n</document>\n\n' +
          '<document index="2" source="src/fetch.py#0" trust="untrusted">\nPython asyncio example: gather several HTTP requests concurrently\n</document>\n\n' +
          'Help with: How do I run requests in parallel?\n',
      );
    });

    it('"Start with k=5, score_threshold=0.7": an off-topic question is reported (status and warning), never a silent empty block', async () => {
      const result = await builder.renderSystemPrompt('code_helper', {
        params: { language: 'Python', topic: 'desert snakes venom', question: 'Are pythons venomous?' },
      });
      const [run] = result.rag;
      // "Python" matches the code files, but nothing answers the question: all under 0.5.
      expect(run!.status).toBe('filtered');
      expect(run!.results).toEqual([]);
      expect(run!.belowThreshold).toBe(run!.retrieved.length);
      expect(run!.retrieved.length).toBeGreaterThan(0);
      for (const item of run!.retrieved) expect(item.score).toBeLessThan(0.5);
      expect(result.warnings).toEqual([
        expect.stringMatching(
          /^RAG search for RAG_CONTENT on adapter "codebase": score_threshold 0\.7 removed all \d+ results? \(best score 0(?:\.\d+)?\)\./,
        ),
      ]);
      expect(result.content).toBe(
        `Relevant code examples:\n${defaultRagEmptyText}\n\nHelp with: Are pythons venomous?\n`,
      );
    });

    it('parameterised RAG queries and clearly separated RAG content', async () => {
      const result = await builder.renderSystemPrompt('docs_qa', {
        params: { topic: 'routing', framework: 'FastAPI', question: 'How do routes work?' },
      });
      expect(result.rag[0]!.query).toBe('routing Python FastAPI');
      expect(result.rag[0]!.results[0]!.id).toBe('fastapi/routing#0');
      expect(result.content).toMatch(
        /^Use these reference documents:\n\n<document index="1" source="fastapi\/routing#0" trust="untrusted">\nRouting in FastAPI with Python decorators\n<\/document>\n/,
      );
      expect(result.content).toMatch(
        /\n---\n\nQuestion: How do routes work\?\n\nAnswer based on the documents above\.\n$/,
      );
    });

    it('k and thresholds: precise ⊆ broad ⊆ recall, each within its k and threshold', async () => {
      // Python is in 4 of 5 code documents, asyncio in 3: a document with only "Python"
      // scores about 0.35 (kept for recall, dropped for broad context).
      const params = { language: 'Python', topic: 'asyncio' };
      const [precise, broad, recall] = await Promise.all(
        ['precise_context', 'broad_context', 'recall_context'].map((name) =>
          builder.renderSystemPrompt(name, { params }),
        ),
      );
      const ids = (result: typeof precise) => result!.rag[0]!.results.map((item) => item.id);
      expect(ids(broad).sort()).toEqual(['docs/asyncio.md#0', 'src/fetch.py#0', 'src/loop.py#0']);
      expect(ids(precise)).toEqual(ids(broad).slice(0, ids(precise).length));
      expect(ids(recall)).toEqual([...ids(broad), 'src/util.py#0']);
      for (const [result, threshold] of [
        [precise, 0.8],
        [broad, 0.5],
        [recall, 0.3],
      ] as const) {
        for (const item of result!.rag[0]!.results) expect(item.score).toBeGreaterThanOrEqual(threshold);
      }
    });

    it('handles RAG failures: the default throws RagSearchError, omit renders without the content, includeRag: false falls back', async () => {
      const broken = await options.createBrokenAdapter('docs');
      adapters.push(broken);
      const failing = new PromptBuilder({ library, adapters: [adapters[0]!, broken] });
      const params = { topic: 'routing', question: 'Q?' };
      const error = await failing.renderSystemPrompt('docs_qa', { params }).catch((caught: unknown) => caught);
      expect(RagSearchError.isInstance(error) && error.adapterName === 'docs').toBe(true);
      const omitted = await failing.renderSystemPrompt('docs_qa', { params, ragFailurePolicy: 'omit' });
      expect(omitted.rag[0]!.status).toBe('failed');
      expect(omitted.warnings[0]).toMatch(/adapter "docs" failed/);
      // Never a silent empty "use these documents" block: the model is told there are none.
      expect(omitted.content).toBe(
        `Use these reference documents:\n\n${defaultRagEmptyText}\n\n---\n\nQuestion: Q?\n\nAnswer based on the documents above.\n`,
      );
      // The guide's try/except fallback: render again without RAG (the placeholder's line goes).
      const fallback = await failing.renderSystemPrompt('docs_qa', { params, includeRag: false });
      expect(fallback.content).toBe(
        'Use these reference documents:\n\n---\n\nQuestion: Q?\n\nAnswer based on the documents above.\n',
      );
    });
  });
}
