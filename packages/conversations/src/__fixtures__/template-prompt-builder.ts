// A small real prompt builder for tests: named templates rendered with @dk/templates,
// a SHA-256 content hash and optional RAG text from an in-memory document list.
import { createHash } from 'node:crypto';
import { renderTemplate } from '@dk/templates';
import type { PromptRenderer, PromptRenderOptions, RagRun, RenderedPrompt } from '@dk/spec';

export interface TemplatePrompt {
  readonly template: string;
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** When set, `{{RAG_CONTENT}}` is filled with the documents containing the rendered query's words. */
  readonly ragQuery?: string;
}

class PromptNotFound extends Error {
  override readonly name = 'PromptNotFound';
}

export class TemplatePromptBuilder implements PromptRenderer {
  readonly renders: { kind: string; name: string; options: PromptRenderOptions | undefined }[] = [];

  constructor(
    private readonly prompts: { readonly system?: Record<string, TemplatePrompt>; readonly user?: Record<string, TemplatePrompt> },
    private readonly documents: readonly string[] = [],
  ) {}

  async renderSystemPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt> {
    return this.#render('system', name, options);
  }

  async renderUserPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt> {
    return this.#render('user', name, options);
  }

  #render(kind: 'system' | 'user', name: string, options: PromptRenderOptions | undefined): RenderedPrompt {
    this.renders.push({ kind, name, options });
    const prompt = this.prompts[kind]?.[name];
    if (prompt === undefined) throw new PromptNotFound(`${kind} prompt "${name}" not found`);
    const params: Record<string, unknown> = { ...prompt.defaults, ...options?.params };
    let rag: RagRun[] | undefined;
    if (prompt.ragQuery !== undefined && options?.includeRag !== false) {
      const query = renderTemplate(prompt.ragQuery, params).content;
      const words = query.toLowerCase().split(/\W+/).filter(Boolean);
      const hits = this.documents.filter((document) => words.some((word) => document.toLowerCase().includes(word)));
      params['RAG_CONTENT'] = hits.join('\n');
      const results = hits.map((content, index) => ({ id: `d${index}`, content, score: 1, metadata: {}, citation: index + 1 }));
      rag = [
        {
          placeholder: 'RAG_CONTENT',
          adapterName: 'docs',
          configName: undefined,
          query,
          k: 5,
          filters: undefined,
          scoreThreshold: undefined,
          status: 'ok',
          results,
          retrieved: results,
          queryHash: undefined,
          cacheHit: false,
          maxTokens: undefined,
          tokens: undefined,
          dropped: [],
          content: hits.join('\n'),
          durationMs: 0,
          error: undefined,
        },
      ];
    }
    const content = renderTemplate(prompt.template, params).content;
    return { content, contentHash: createHash('sha256').update(content).digest('hex'), ...(rag === undefined ? {} : { rag }) };
  }
}
