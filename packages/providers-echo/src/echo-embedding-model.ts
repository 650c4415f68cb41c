import { InvalidRequestError } from '@dk/spec';
import type { EmbeddingModel, EmbeddingOptions } from '@dk/spec';
import { checkSettings } from '@dk/provider-utils';
import { EchoProvider } from './echo-provider.js';

/** Settings of an {@link EchoEmbeddingModel}. */
export interface EchoEmbeddingModelSettings {
  /**
   * The provider whose `embed` is used (its calls are recorded there). Default: a new
   * `EchoProvider` with `embeddingDimensions` = `dimensions`.
   */
  readonly provider?: EchoProvider;
  /** Vector length when no `provider` is given. Default 768. */
  readonly dimensions?: number;
}

/**
 * The echo provider as an {@link EmbeddingModel}: deterministic hashed bag-of-words
 * vectors of unit length, so texts that share words are similar. No network, no model
 * download; good for tests and for exercising vector and hybrid search, not for semantic
 * quality (synonyms and paraphrases do not match).
 */
export class EchoEmbeddingModel implements EmbeddingModel {
  readonly specificationVersion = 'v1' as const;
  /** `echo:hash-<dimensions>` when the dimensions are known, else `echo:hash`. */
  readonly modelId: string;
  readonly dimensions: number | undefined;
  readonly #provider: EchoProvider;

  constructor(settings: EchoEmbeddingModelSettings = {}) {
    checkSettings('EchoEmbeddingModel', settings, {
      provider: { check: (value) => (value instanceof EchoProvider ? undefined : 'an EchoProvider') },
      dimensions: 'positive-integer',
    });
    if (settings.provider !== undefined && settings.dimensions !== undefined) {
      throw new InvalidRequestError({
        provider: 'echo',
        message:
          'EchoEmbeddingModel: pass either `provider` or `dimensions`, not both (the provider decides its own dimensions).',
      });
    }
    this.dimensions = settings.provider === undefined ? (settings.dimensions ?? 768) : undefined;
    this.#provider = settings.provider ?? new EchoProvider({ embeddingDimensions: this.dimensions ?? 768 });
    this.modelId = this.dimensions === undefined ? 'echo:hash' : `echo:hash-${this.dimensions}`;
  }

  /** Embeds `texts` through the echo provider. */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    return await this.#provider.embed(texts, options.signal === undefined ? {} : { signal: options.signal });
  }
}
