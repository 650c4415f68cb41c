import { DkError } from '@dk/spec';

/** A `PromptBuilder` was set up or used wrongly (duplicate adapter names, no library, bad level). */
export class BuilderConfigurationError extends DkError {
  static override readonly errorName: string = 'BuilderConfigurationError';

  constructor(message: string) {
    super({ message, code: 'PROMPT_BUILDER_INVALID' });
  }
}
