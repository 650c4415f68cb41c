// The prompt examples of the best-practices guide, as a prompt tree, rendered as the guide describes.
import { defaultRagEmptyText, InMemorySearchAdapter } from '@dk/rag';
import type { SearchAdapter } from '@dk/spec';
import { MissingParametersError, ValidationLevel } from '@dk/templates';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CompositePromptLibrary } from './composite-prompt-library.js';
import { FileSystemPromptLibrary } from './file-system-prompt-library.js';
import { lintPromptDirectory } from './lint-prompt-directory.js';
import { PromptBuilder } from './prompt-builder.js';

const root = fileURLToPath(new URL('./__fixtures__/guide-prompts/', import.meta.url));
const base = new FileSystemPromptLibrary(`${root}base`, { name: 'base' });
const production = new FileSystemPromptLibrary(`${root}production`, { name: 'production' });

const codebase = new InMemorySearchAdapter({
  name: 'codebase',
  documents: [
    {
      id: 'src/fetch.py',
      content: 'Python asyncio example: gather several HTTP requests concurrently',
      metadata: { type: 'code' },
    },
    { id: 'docs/asyncio.md', content: 'Python asyncio explained for beginners', metadata: { type: 'docs' } },
    { id: 'src/util.py', content: 'Python string helpers', metadata: { type: 'code' } },
  ],
});
const docs = new InMemorySearchAdapter({
  name: 'docs',
  documents: [{ id: 'fastapi/routing', content: 'Routing in FastAPI with Python decorators', metadata: {} }],
});

describe('guide prompt examples', () => {
  const builder = new PromptBuilder({ library: base, adapters: [codebase, docs] });

  it('code reviewer: a clear, focused prompt with a default language', async () => {
    const result = await builder.renderSystemPrompt('code_reviewer');
    expect(result.content.split('\n')[0]).toBe('You are an expert code reviewer specializing in Python.');
    expect(result.content).toContain('3. Security vulnerabilities');
    expect((await builder.renderSystemPrompt('code_reviewer', { params: { language: 'Rust' } })).content).toMatch(
      /^You are an expert code reviewer specializing in Rust\./,
    );
  });

  it('conditional sections: optional context appears only when given', async () => {
    const without = await builder.renderUserPrompt('code_analysis', { params: { code: 'x = 1' } });
    // The dropped "Focus on" line leaves no stray blank lines.
    expect(without.content).toBe('Analyze this Python code:\n\nx = 1\n');
    const withAll = await builder.renderUserPrompt('code_analysis', {
      params: { code: 'x = 1', style_guide: 'PEP 8', aspect: 'naming' },
    });
    expect(withAll.content).toBe('Analyze this Python code, following PEP 8:\n\nx = 1\n\nFocus on naming.\n');
    expect(withAll.metadata.parameters?.['aspect']?.examples).toEqual(['security', 'performance', 'style']);
  });

  it('sections: a long prompt is assembled from named sections, optional ones dropped', async () => {
    const result = await builder.renderSystemPrompt('expert_consultant', {
      params: { domain: 'security', content: 'login.py' },
    });
    expect(result.content).toBe(
      // EXAMPLES was dropped with its line; the two blank lines left come from the `|` block's own final newline.
      'You are an expert security consultant.\n\nProvide analysis following these steps:\n1. Identify key patterns\n2. Assess quality\n3. Suggest improvements\n\n\nInput to analyze:\nlogin.py\n',
    );
    const withExample = await builder.renderSystemPrompt('expert_consultant', {
      params: { domain: 'security', content: 'c', example_text: 'SQL injection in query()' },
    });
    expect(withExample.content).toContain('\n\nExample: SQL injection in query()\n\n');
  });

  it('extends: the specialised assistant overrides two sections and inherits the third', async () => {
    const result = await builder.renderSystemPrompt('code_assistant');
    expect(result.content).toBe(
      'You are an expert software engineer and code reviewer.\n\nYou can:\n- Review code for bugs and best practices\n- Explain programming concepts\n- Suggest improvements and optimizations\n\n\nBe accurate, concise, and helpful.\n',
    );
    expect((await builder.renderSystemPrompt('base_assistant')).content).toBe(
      'You are a helpful AI assistant.\n\nYou can answer questions and provide information.\n\nBe accurate, concise, and helpful.\n',
    );
  });

  it('composite libraries: production overrides, everything else falls back to base', async () => {
    const library = new CompositePromptLibrary({ libraries: [production, base], names: ['production', 'base'] });
    const composite = new PromptBuilder({ library, adapters: [codebase, docs] });
    const reviewer = await composite.renderSystemPrompt('code_reviewer', { params: { language: 'Go' } });
    expect(reviewer.library).toBe('production');
    // The production override extends the base library's base_assistant.
    expect(reviewer.content).toBe(
      'You are a senior Go reviewer for production code.\n\nYou can answer questions and provide information.\n\nFlag anything that could cause an outage. Be concise.\n',
    );
    const chat = await composite.renderSystemPrompt('chat', { params: { topic: 'jazz' } });
    expect([chat.library, chat.content]).toEqual(['base', 'Chat about jazz']);
  });

  it('validation levels: error for critical params, warn for recommended, ignore for optional', async () => {
    await expect(builder.renderSystemPrompt('database_query', { params: { query: 'SELECT 1' } })).rejects.toSatisfy(
      (error) => MissingParametersError.isInstance(error) && error.missing.join() === 'database',
    );
    // "Missing aspect is okay, but user should know."
    const analysis = await builder.renderSystemPrompt('analysis', { params: { data: 'sales.csv' } });
    expect([analysis.content, analysis.warnings]).toEqual([
      'Analyze sales.csv',
      ['Optional parameter without a value: aspect; the text that uses it was left out.'],
    ]);
    const chat = await builder.renderSystemPrompt('chat');
    expect([chat.content, chat.warnings, chat.validationLevel]).toEqual(['Chat about ', [], 'ignore']);
  });

  it('validation hierarchy: template level < builder default < call, each for its own scope', async () => {
    // 1. the template's own level (warn) applies when nothing overrides it
    const templateLevel = await builder.renderSystemPrompt('analyze');
    expect(templateLevel.validationLevel).toBe('warn');
    expect(templateLevel.warnings).toEqual(['Missing required parameters: code']);
    expect(templateLevel.content).toBe('Analyze {{code}} for correctness and style');
    // 2. the builder's default overrides it for all prompts
    const strictBuilder = new PromptBuilder({ library: base, defaultValidationLevel: ValidationLevel.ERROR });
    await expect(strictBuilder.renderSystemPrompt('analyze')).rejects.toSatisfy(
      (error) => MissingParametersError.isInstance(error) && error.missing.join() === 'code',
    );
    // 3. the call overrides both, for that call only
    const runtime = await strictBuilder.renderSystemPrompt('analyze', { validationLevel: ValidationLevel.IGNORE });
    expect([runtime.validationLevel, runtime.warnings, runtime.missing]).toEqual(['ignore', [], ['code']]);
    await expect(strictBuilder.renderSystemPrompt('analyze')).rejects.toThrow(/Missing required parameters: code/);
    await expect(builder.renderUserPrompt('issue_check', { params: { code: 'x' } })).rejects.toThrow(
      /Missing required parameters: issues/,
    );
  });

  it('RAG configs kept separate: the referenced config filters by type and applies its score threshold', async () => {
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
    // docs/asyncio.md matches better but is type docs; util.py matches only "Python" (below 0.7).
    expect(run!.results.map((item) => [item.id, item.citation])).toEqual([['src/fetch.py', 1]]);
    expect(result.content).toBe(
      'Relevant code examples:\n<document index="1" source="src/fetch.py" trust="untrusted">\nPython asyncio example: gather several HTTP requests concurrently\n</document>\n\nHelp with: How do I run requests in parallel?\n',
    );
  });

  it('parameterised RAG queries and clearly separated RAG content', async () => {
    const result = await builder.renderSystemPrompt('docs_qa', {
      params: { topic: 'routing', framework: 'FastAPI', question: 'How do routes work?' },
    });
    expect(result.rag[0]!.query).toBe('routing Python FastAPI');
    expect(result.content).toBe(
      'Use these reference documents:\n\n<document index="1" source="fastapi/routing" trust="untrusted">\nRouting in FastAPI with Python decorators\n</document>\n\n---\n\nQuestion: How do routes work?\n\nAnswer based on the documents above.\n',
    );
  });

  it('handles RAG failures gracefully without try/catch: omit renders without the content and says so', async () => {
    const down: SearchAdapter = {
      specificationVersion: 'v1',
      name: 'docs',
      search: async () => Promise.reject(new Error('503 from search')),
    };
    const degraded = new PromptBuilder({ library: base, adapters: [codebase, down], ragFailurePolicy: 'omit' });
    const result = await degraded.renderSystemPrompt('docs_qa', { params: { topic: 'routing', question: 'Q?' } });
    // Never a silent empty "use these documents" block: the model is told there are none.
    expect(result.content).toBe(
      `Use these reference documents:\n\n${defaultRagEmptyText}\n\n---\n\nQuestion: Q?\n\nAnswer based on the documents above.\n`,
    );
    expect(result.rag[0]!.status).toBe('failed');
    expect(result.warnings[0]).toMatch(/503 from search/);
  });

  it('lint flags the placeholders nothing in the guide tree declares, and nothing else', async () => {
    const report = await lintPromptDirectory(`${root}base`, { adapters: ['codebase', 'docs'] });
    expect(report.fileCount).toBe(14);
    // The guide's files take these from the caller without declaring them (no default, no
    // validation entry, no parameter doc): lint says so instead of "no problems".
    expect(
      report.problems.map((problem) => [
        problem.code,
        problem.file.split('/').slice(-1)[0],
        problem.message.split(' ')[0],
      ]),
    ).toEqual([
      ['PROMPT_PLACEHOLDER_UNFILLED', 'analysis.yaml', '{{data}}'],
      ['PROMPT_PLACEHOLDER_UNFILLED', 'code_helper.yaml', '{{question}}'],
      ['PROMPT_PLACEHOLDER_UNFILLED', 'docs_qa.yaml', '{{question}}'],
      ['PROMPT_PLACEHOLDER_UNFILLED', 'expert_consultant.yaml', '{{domain}}'],
      ['PROMPT_PLACEHOLDER_UNFILLED', 'expert_consultant.yaml', '{{content}}'],
    ]);
    expect(await builder.validateLibrary()).toEqual([]);
  });
});
