import type { PromptRenderer, PromptRenderOptions, RagResultCache, RenderedPrompt, SearchResult } from '@dk/spec';

/**
 * A prompt renderer whose RAG searches look in a shared result cache (e.g. Redis, for every
 * server and conversation) after the conversation's own results (`cacheRag`), and store what
 * they searched there.
 */
export class RagCacheRenderer implements PromptRenderer {
  readonly #renderer: PromptRenderer;
  readonly #shared: RagResultCache;

  constructor({ renderer, cache }: { readonly renderer: PromptRenderer; readonly cache: RagResultCache }) {
    this.#renderer = renderer;
    this.#shared = cache;
  }

  #options(options: PromptRenderOptions = {}): PromptRenderOptions {
    const own = options.ragCache;
    const shared = this.#shared;
    if (own === undefined) return { ...options, ragCache: shared };
    return {
      ...options,
      ragCache: {
        get: async (queryHash): Promise<readonly SearchResult[] | undefined> =>
          (await own.get(queryHash)) ?? (await shared.get(queryHash)),
        set: async (queryHash, results) => {
          await Promise.all([own.set?.(queryHash, results), shared.set?.(queryHash, results)]);
        },
      },
    };
  }

  renderSystemPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt> {
    return this.#renderer.renderSystemPrompt(name, this.#options(options));
  }

  renderUserPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPrompt> {
    return this.#renderer.renderUserPrompt(name, this.#options(options));
  }
}
