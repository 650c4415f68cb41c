import { InvalidRequestError } from '@dk/spec';
import { checkSettings } from '@dk/provider-utils';
import type { EmbeddingModel, EmbeddingOptions } from '@dk/spec';
import type { OpenAIProvider } from './openai-provider.js';

/** Settings of an {@link OpenAIEmbeddingModel}. */
export interface OpenAIEmbeddingModelSettings {
  /** The provider that calls the embeddings endpoint (credentials, base URL, retries). */
  readonly provider: OpenAIProvider;
  /** Embedding model name. Default `text-embedding-3-small`. */
  readonly model?: string;
  /** Vector length of the model, when known (1536 for `text-embedding-3-small`). */
  readonly dimensions?: number;
}

const defaultModel = 'text-embedding-3-small';

/**
 * An OpenAI (or OpenAI-compatible) embeddings endpoint as an {@link EmbeddingModel}, through
 * an {@link OpenAIProvider}'s `embed`. `modelId` is `openai:<model>`.
 */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly specificationVersion = 'v1' as const;
  readonly modelId: string;
  readonly dimensions: number | undefined;
  readonly #provider: OpenAIProvider;
  readonly #model: string;

  constructor(settings: OpenAIEmbeddingModelSettings) {
    checkSettings('OpenAIEmbeddingModel', settings, {
      provider: 'object',
      model: 'string',
      dimensions: 'positive-integer',
    });
    if (settings === undefined || settings.provider === undefined || typeof settings.provider.embed !== 'function') {
      throw new InvalidRequestError({
        provider: 'openai',
        message: 'OpenAIEmbeddingModel needs `provider`: an OpenAIProvider from createOpenAIProvider().',
      });
    }
    const model = settings.model ?? defaultModel;
    if (typeof model !== 'string' || model.trim() === '') {
      throw new InvalidRequestError({
        provider: 'openai',
        message: 'OpenAIEmbeddingModel `model` must be a non-empty model name such as "text-embedding-3-small".',
      });
    }
    this.#provider = settings.provider;
    this.#model = model;
    this.modelId = `openai:${model}`;
    this.dimensions = settings.dimensions;
  }

  /** Embeds `texts` with the configured model. */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    return await this.#provider.embed(texts, {
      model: this.#model,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
