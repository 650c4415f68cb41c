import { defaultRagEmptyText, InMemorySearchAdapter } from '@dk/rag';
import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchResult } from '@dk/spec';
import { MissingParametersError, TemplateSyntaxError, ValidationLevel } from '@dk/templates';
import { describe, expect, it } from 'vitest';
import { CompositePromptLibrary } from './composite-prompt-library.js';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import type { PromptEntry, PromptLibrary } from './prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';
import { PromptFileError } from './prompt-file-error.js';
import { PromptNotFoundError } from './prompt-not-found-error.js';

const docs = new InMemorySearchAdapter({
  name: 'docs',
  documents: [
    { id: 'a1', content: 'asyncio runs coroutines on an event loop', metadata: { type: 'docs' } },
    { id: 'a2', content: 'asyncio.gather runs awaitables concurrently', metadata: { type: 'docs' } },
    { id: 'c1', content: 'async def main(): await asyncio.sleep(1)', metadata: { type: 'code' } },
  ],
});

class FailingAdapter implements SearchAdapter {
  readonly specificationVersion = 'v1' as const;
  calls = 0;
  constructor(readonly name: string) {}
  async search(): Promise<SearchResult[]> {
    this.calls++;
    throw new Error('vector store unreachable');
  }
}

describe('PromptBuilder', () => {
  describe('extends and sections', () => {
    const library = new ConfigPromptLibrary({
      system: {
        base: {
          template: '{{A}}\n{{B}}\n{{C}}',
          sections: { A: 'Base A', B: 'Base B', C: 'Base C' },
          defaults: { x: '1', y: '2', z: '3' },
          validation: { level: 'error', required_params: ['x'] },
          metadata: { author: 'base', tier: 1 },
          rag_config_refs: ['r1', 'r2'],
        },
        middle: {
          extends: 'base',
          sections: { B: 'Middle B' },
          defaults: { y: '20' },
          metadata: { author: 'middle' },
          rag_config_refs: ['r2', 'r3'],
        },
        final: {
          extends: 'middle',
          sections: { C: 'Final C {{z}}' },
          defaults: { z: '300' },
          validation: { level: 'ignore' },
        },
        loop_a: { extends: 'loop_b', template: 'a' },
        loop_b: { extends: 'loop_c' },
        loop_c: { extends: 'loop_a' },
        self: { extends: 'self', template: 'x' },
        orphan: { extends: 'nowhere' },
        nested_sections: {
          template: '{{OUTER}}',
          sections: { INNER: 'middle {{value}}', OUTER: 'Start {{INNER}} End' },
        },
        section_loop: { template: '{{A}}', sections: { A: '{{B}}', B: '{{A}}' } },
        escaped: { template: '\\{{ROLE}} {{ROLE}}', sections: { ROLE: 'R' } },
      },
      user: { from_system: { extends: 'base', sections: { A: 'User A' } } },
      rag: {
        r1: { adapter_name: 'docs', query: 'one', placeholder: 'P1' },
        r2: { adapter_name: 'docs', query: 'two', placeholder: 'P2' },
        r3: { adapter_name: 'docs', query: 'three', placeholder: 'P3' },
      },
    });
    const builder = new PromptBuilder({ library });

    it('merges the chain root-first with the documented rules', async () => {
      const result = await builder.renderSystemPrompt('final', { includeRag: false });
      expect(result.content).toBe('Base A\nMiddle B\nFinal C 300');
      expect(result.paramsUsed).toEqual({ z: '300' });
      // validation replaced by the nearest level; metadata shallow-merged, child wins.
      expect(result.validationLevel).toBe('ignore');
      expect(result.metadata).toEqual({ author: 'middle', tier: 1 });
      expect(await builder.getRequiredParameters('system', 'final')).toEqual([]);
      expect(await builder.getRequiredParameters('system', 'middle')).toEqual(['x']);
    });

    it('looks a base up in the other kind when the same kind has none', async () => {
      const result = await builder.renderUserPrompt('from_system', { includeRag: false });
      expect(result.content).toBe('User A\nBase B\nBase C');
      expect(result.kind).toBe('user');
    });

    it('reports cycles and missing bases with the chain and the extends position', async () => {
      const cycle = await builder.renderSystemPrompt('loop_a').catch((error: unknown) => error);
      expect(PromptFileError.isInstance(cycle)).toBe(true);
      expect((cycle as PromptFileError).problems[0]).toMatchObject({
        code: 'PROMPT_EXTENDS_CYCLE',
        path: 'extends',
        file: 'config:system/loop_c',
      });
      expect((cycle as PromptFileError).message).toContain(
        'system/loop_a → system/loop_b → system/loop_c → system/loop_a',
      );
      await expect(builder.renderSystemPrompt('self')).rejects.toThrow('system/self → system/self');
      await expect(builder.renderSystemPrompt('orphan')).rejects.toThrow(
        /base prompt "nowhere" not found .*chain: system\/orphan → nowhere/,
      );
    });

    it('expands sections recursively in any order, leaving escaped placeholders', async () => {
      expect((await builder.renderSystemPrompt('nested_sections', { params: { value: 7 } })).content).toBe(
        'Start middle 7 End',
      );
      await expect(builder.renderSystemPrompt('section_loop')).rejects.toThrow(
        /sections refer to each other in a loop: A → B → A/,
      );
      expect((await builder.renderSystemPrompt('escaped')).content).toBe('{{ROLE}} R');
    });

    it('concatenates rag_config_refs without duplicates, root first', async () => {
      const withDocs = new PromptBuilder({ library, adapters: [docs] });
      const result = await withDocs.renderSystemPrompt('middle');
      expect(result.rag.map((run) => run.configName)).toEqual(['r1', 'r2', 'r3']);
    });
  });

  describe('validation precedence', () => {
    const library = new ConfigPromptLibrary({
      system: {
        strict: {
          template: 'Query {{database}}: {{query}}',
          validation: { level: 'error', required_params: ['database', 'query'] },
        },
        unspecified: { template: 'Analyze {{code}}', validation: { required_params: ['code'] } },
      },
    });

    it('uses the builder default when the prompt has no level', async () => {
      const warn = new PromptBuilder({ library });
      expect((await warn.renderSystemPrompt('unspecified')).warnings).toEqual(['Missing required parameters: code']);
      const error = new PromptBuilder({ library, defaultValidationLevel: ValidationLevel.ERROR });
      await expect(error.renderSystemPrompt('unspecified')).rejects.toBeInstanceOf(MissingParametersError);
    });

    it("lets the builder default override the prompt's level, and the call level override both", async () => {
      const builder = new PromptBuilder({ library, defaultValidationLevel: 'ignore' });
      const relaxed = await builder.renderSystemPrompt('strict', { params: { database: 'prod' } });
      expect(relaxed).toMatchObject({
        missing: ['query'],
        warnings: [],
        validationLevel: 'ignore',
        content: 'Query prod: {{query}}',
      });
      const failure = await builder
        .renderSystemPrompt('strict', { params: { database: 'prod' }, validationLevel: 'error' })
        .catch((error: unknown) => error);
      expect(MissingParametersError.isInstance(failure)).toBe(true);
      expect((failure as MissingParametersError).missing).toEqual(['query']);
      // Without a builder default, the prompt's own level applies.
      await expect(
        new PromptBuilder({ library }).renderSystemPrompt('strict', { params: { database: 'prod' } }),
      ).rejects.toBeInstanceOf(MissingParametersError);
    });

    it('never lets a per-call override stick (the original mutated the library)', async () => {
      const builder = new PromptBuilder({ library });
      await builder.renderSystemPrompt('strict', { validationLevel: 'ignore' });
      await builder.renderSystemPrompt('strict', { validationLevel: 'warn' });
      await expect(builder.renderSystemPrompt('strict')).rejects.toBeInstanceOf(MissingParametersError);
      const entry = await library.getPrompt('system', 'strict');
      expect(entry!.definition.validation).toEqual({ level: 'error', required_params: ['database', 'query'] });
      expect(Object.isFrozen(entry!.definition.validation)).toBe(true);
    });

    it('does not mutate the params it is given', async () => {
      const builder = new PromptBuilder({ library });
      const params = Object.freeze({ code: 'x = 1' });
      const result = await builder.renderSystemPrompt('unspecified', { params });
      expect(result.content).toBe('Analyze x = 1');
      expect(params).toEqual({ code: 'x = 1' });
    });
  });

  describe('content hash', () => {
    it('is stable for the same resolved prompt and changes with the text, defaults or RAG settings', async () => {
      const make = (template: string, defaults: Record<string, unknown> = {}) =>
        new PromptBuilder({ library: new ConfigPromptLibrary({ system: { p: { template, defaults } } }) });
      const first = await make('Hello {{name}}').renderSystemPrompt('p');
      const again = await make('Hello {{name}}').renderSystemPrompt('p', {
        params: { name: 'other params, same prompt' },
      });
      expect(first.contentHash).toMatch(/^[0-9a-f]{16}$/);
      expect(again.contentHash).toBe(first.contentHash);
      expect((await make('Hello {{name}}!').renderSystemPrompt('p')).contentHash).not.toBe(first.contentHash);
      expect((await make('Hello {{name}}', { name: 'x' }).renderSystemPrompt('p')).contentHash).not.toBe(
        first.contentHash,
      );
    });

    it('follows an edit of a base prompt (the cache notices)', async () => {
      const library = new ConfigPromptLibrary({
        system: { base: { template: '{{ROLE}}', sections: { ROLE: 'v1' } }, child: { extends: 'base' } },
      });
      const builder = new PromptBuilder({ library });
      const before = await builder.renderSystemPrompt('child');
      library.addPrompt('system', 'base', { template: '{{ROLE}}', sections: { ROLE: 'v2' } });
      const after = await builder.renderSystemPrompt('child');
      expect([before.content, after.content]).toEqual(['v1', 'v2']);
      expect(after.contentHash).not.toBe(before.contentHash);
    });
  });

  describe('RAG', () => {
    const library = new ConfigPromptLibrary({
      system: {
        helper: {
          template: 'Docs:\n{{RAG_CONTENT}}\nQ: {{question}}',
          rag_configs: [
            {
              adapter_name: 'docs',
              query: '{{topic}}',
              k: 2,
              filters: { type: 'docs' },
              item_template: '[{{index}}] {{content}}',
              separator: '\n',
            },
          ],
        },
        two: {
          template: 'A:\n{{A}}\nB:\n{{B}}((\nExtra: {{B}}))',
          rag_configs: [
            {
              adapter_name: 'docs',
              query: 'event loop',
              placeholder: 'A',
              k: 1,
              item_template: '[{{index}}] {{content}}',
            },
            { adapter_name: 'flaky', query: 'anything', placeholder: 'B' },
          ],
        },
        unknown_adapter: { template: '{{RAG_CONTENT}}', rag_configs: [{ adapter_name: 'nope', query: 'x' }] },
      },
    });

    it('runs the searches and records adapter, query, results with citations and timing', async () => {
      const builder = new PromptBuilder({ library, adapters: [docs] });
      const result = await builder.renderSystemPrompt('helper', { params: { topic: 'asyncio', question: 'why?' } });
      expect(result.content).toBe(
        'Docs:\n[1] asyncio runs coroutines on an event loop\n[2] asyncio.gather runs awaitables concurrently\nQ: why?',
      );
      expect(result.rag).toHaveLength(1);
      const [run] = result.rag;
      expect(run).toMatchObject({
        placeholder: 'RAG_CONTENT',
        adapterName: 'docs',
        query: 'asyncio',
        k: 2,
        status: 'ok',
      });
      expect(run!.results.map((item) => [item.id, item.citation])).toEqual([
        ['a1', 1],
        ['a2', 2],
      ]);
      expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('renders placeholders empty when RAG is off', async () => {
      const builder = new PromptBuilder({ library, adapters: [docs] });
      const result = await builder.renderSystemPrompt('helper', {
        params: { topic: 'asyncio', question: 'q' },
        includeRag: false,
      });
      // The line that held only the RAG placeholder is gone, not left blank.
      expect(result.content).toBe('Docs:\nQ: q');
      expect(result.rag).toEqual([]);
      expect(result.unresolved).toEqual([]);
    });

    it('throws RagSearchError under the default policy', async () => {
      const builder = new PromptBuilder({ library, adapters: [docs, new FailingAdapter('flaky')] });
      await expect(builder.renderSystemPrompt('two')).rejects.toSatisfy(
        (error) => RagSearchError.isInstance(error) && error.adapterName === 'flaky',
      );
    });

    it("renders without the failed search under 'omit' and reports it (per builder or per call)", async () => {
      const flaky = new FailingAdapter('flaky');
      for (const builder of [
        new PromptBuilder({ library, adapters: [docs, flaky], ragFailurePolicy: 'omit' }),
        new PromptBuilder({ library, adapters: [docs, flaky] }),
      ]) {
        const result = await builder.renderSystemPrompt('two', { ragFailurePolicy: 'omit' });
        expect(result.content).toBe(
          `A:\n[1] asyncio runs coroutines on an event loop\nB:\n${defaultRagEmptyText}\nExtra: ${defaultRagEmptyText}`,
        );
        expect(result.rag.map((run) => run.status)).toEqual(['ok', 'failed']);
        expect(result.rag[1]!.error?.message).toMatch(/vector store unreachable/);
        expect(result.warnings).toEqual([
          expect.stringMatching(/RAG search for B on adapter "flaky" failed .*rendered without it/),
        ]);
      }
      expect(flaky.calls).toBe(2);
    });

    it('treats an adapter name the builder does not know as a prompt problem, before searching', async () => {
      const builder = new PromptBuilder({ library, adapters: [docs] });
      const failure = await builder
        .renderSystemPrompt('unknown_adapter', { includeRag: false })
        .catch((error: unknown) => error);
      expect(PromptFileError.isInstance(failure)).toBe(true);
      expect((failure as PromptFileError).problems[0]).toMatchObject({
        code: 'RAG_ADAPTER_UNKNOWN',
        path: 'rag_configs[0].adapter_name',
      });
      expect((failure as PromptFileError).message).toMatch(/unknown RAG adapter "nope". Known adapters: docs/);
      const problems = await builder.validateLibrary();
      expect(problems.map((problem) => [problem.file, problem.code])).toEqual([
        ['config:system/two', 'RAG_ADAPTER_UNKNOWN'],
        ['config:system/unknown_adapter', 'RAG_ADAPTER_UNKNOWN'],
      ]);
    });

    it('create() fails at startup when a prompt names an adapter the builder lacks', async () => {
      const failure = await PromptBuilder.create({ library, adapters: [docs] }).catch((error: unknown) => error);
      expect(PromptFileError.isInstance(failure)).toBe(true);
      expect((failure as PromptFileError).problems.map((problem) => problem.code)).toEqual([
        'RAG_ADAPTER_UNKNOWN',
        'RAG_ADAPTER_UNKNOWN',
      ]);
      const healthy = new ConfigPromptLibrary({
        system: { ok: { template: '{{RAG_CONTENT}}', rag_configs: [{ adapter_name: 'docs', query: 'q' }] } },
      });
      const builder = await PromptBuilder.create({ library: healthy, adapters: [docs] });
      expect((await builder.renderSystemPrompt('ok', { includeRag: false })).content).toBe('');
    });

    it('reports a missing RAG config ref with the available names', async () => {
      const broken = new ConfigPromptLibrary({
        system: { p: { template: '{{RAG_CONTENT}}', rag_config_refs: ['doc_search'] } },
        rag: { docs_search: { adapter_name: 'docs', query: 'x' } },
      });
      await expect(new PromptBuilder({ library: broken }).renderSystemPrompt('p')).rejects.toThrow(
        /RAG config "doc_search" not found .*available: docs_search/,
      );
    });
  });

  describe('lookups', () => {
    const library = new ConfigPromptLibrary({
      name: 'main',
      system: { code_reviewer: 'Review', code_helper: 'Help' },
      user: { greet: 'Hi' },
    });

    it('throws PromptNotFoundError naming the library, kind and closest names', async () => {
      const builder = new PromptBuilder({ library });
      const failure = await builder.renderSystemPrompt('code_reviwer').catch((error: unknown) => error);
      expect(PromptNotFoundError.isInstance(failure)).toBe(true);
      expect(failure).toMatchObject({
        library: 'main',
        kind: 'system',
        promptName: 'code_reviwer',
        suggestions: ['code_reviewer', 'code_helper'],
      });
      expect((failure as Error).message).toBe(
        'System prompt "code_reviwer" not found in library "main". Did you mean "code_reviewer" or "code_helper"?',
      );
      const wrongKind = await builder.renderUserPrompt('code_reviewer').catch((error: unknown) => error);
      expect(wrongKind).toMatchObject({ kind: 'user', existsAs: 'system' });
      expect((wrongKind as Error).message).toBe(
        'User prompt "code_reviewer" not found in library "main". There is a system prompt "code_reviewer": render it with renderSystemPrompt("code_reviewer").',
      );
      await expect(builder.renderUserPrompt('nothing_like_it')).rejects.toThrow(
        'User prompt "nothing_like_it" not found in library "main". Add user/nothing_like_it.yaml to the library.',
      );
    });

    it('rejects names that try to leave the library', async () => {
      const builder = new PromptBuilder({ library });
      await expect(builder.renderSystemPrompt('../../etc/passwd')).rejects.toThrow(
        /not allowed: it contains a "\.\." segment/,
      );
      await expect(builder.renderSystemPrompt('/abs')).rejects.toThrow(/absolute path/);
    });

    it('reports name, kind, library and version in the result', async () => {
      const result = await new PromptBuilder({ library }).renderUserPrompt('greet');
      expect(result).toMatchObject({ content: 'Hi', name: 'greet', kind: 'user', library: 'main', version: undefined });
      const withParams = await new PromptBuilder({
        library: new ConfigPromptLibrary({
          user: { hi: { template: 'Hi {{name}} {{other}}', defaults: { other: 'x' } } },
        }),
      }).renderUserPrompt('hi', { params: { name: 'Ann', unused: 1 } });
      expect(withParams.paramsUsed).toEqual({ name: 'Ann', other: 'x' });
      expect(JSON.parse(JSON.stringify(withParams))).toMatchObject({
        content: 'Hi Ann x',
        paramsUsed: { name: 'Ann', other: 'x' },
        name: 'hi',
        contentHash: withParams.contentHash,
        rag: [],
      });
    });
  });

  describe('renderInlinePrompt', () => {
    it('renders a template with validation and RAG like a library prompt', async () => {
      const builder = new PromptBuilder({ adapters: [docs] });
      const result = await builder.renderInlinePrompt('Context: {{RAG_CONTENT}} | {{q}}', {
        kind: 'system',
        params: { q: 'gather' },
        validation: { level: 'error', required_params: ['q'] },
        ragConfigs: [{ adapter_name: 'docs', query: '{{q}}', item_template: '{{content}}' }],
      });
      expect(result).toMatchObject({
        content: 'Context: asyncio.gather runs awaitables concurrently | gather',
        name: '<inline>',
        kind: 'system',
        library: undefined,
      });
      expect(result.rag[0]!.query).toBe('gather');
      await expect(
        builder.renderInlinePrompt('{{q}}', { validation: { level: 'error', required_params: ['q'] } }),
      ).rejects.toBeInstanceOf(MissingParametersError);
      await expect(builder.renderInlinePrompt('Hello {{')).rejects.toBeInstanceOf(TemplateSyntaxError);
    });

    it('needs a library for named prompts', async () => {
      await expect(new PromptBuilder().renderSystemPrompt('x')).rejects.toThrow(/has no library/);
    });
  });

  describe('caching', () => {
    it('sees changes in a composite (member added, removed, member edited)', async () => {
      const base = new ConfigPromptLibrary({ system: { p: 'base' } });
      const override = new ConfigPromptLibrary({ system: { p: 'override' } });
      const library = new CompositePromptLibrary({ libraries: [base], names: ['base'] });
      const builder = new PromptBuilder({ library });
      expect((await builder.renderSystemPrompt('p')).content).toBe('base');
      library.addLibrary(override, { name: 'override', priority: 0 });
      expect((await builder.renderSystemPrompt('p')).content).toBe('override');
      override.addPrompt('system', 'p', 'override v2');
      expect((await builder.renderSystemPrompt('p')).content).toBe('override v2');
      library.removeLibrary('override');
      expect((await builder.renderSystemPrompt('p')).content).toBe('base');
    });

    it('asks a library without a revision on every render', async () => {
      let template = 'one';
      let lookups = 0;
      const library: PromptLibrary = {
        name: 'dynamic',
        async getPrompt(kind, name) {
          lookups++;
          const definition = Object.freeze({ template });
          return {
            name,
            kind,
            definition,
            library: 'dynamic',
            file: 'memory',
            locator: { locate: () => undefined, locateInString: () => undefined },
          } satisfies PromptEntry;
        },
        listPrompts: async () => ['p'],
        getRagConfig: async () => undefined,
        listRagConfigs: async () => [],
      };
      const builder = new PromptBuilder({ library });
      expect((await builder.renderSystemPrompt('p')).content).toBe('one');
      template = 'two';
      expect((await builder.renderSystemPrompt('p')).content).toBe('two');
      expect(lookups).toBe(2);
    });
  });
});
