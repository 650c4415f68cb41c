import { DkError } from '@dk/spec';

/** Options of a {@link RagConfigError}. */
export interface RagConfigErrorOptions {
  readonly message: string;
  /** The offending field (`k`, `score_threshold`, …). */
  readonly field: string;
  readonly cause?: unknown;
}

/** A RAG config or search option is invalid (negative `k`, threshold outside 0–1, …). */
export class RagConfigError extends DkError {
  static override readonly errorName: string = 'RagConfigError';

  /** The offending field. */
  readonly field: string;

  constructor(options: RagConfigErrorOptions) {
    super({ message: options.message, code: 'RAG_CONFIG_INVALID', cause: options.cause });
    this.field = options.field;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { field: this.field };
  }
}
