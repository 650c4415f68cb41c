import { DkError } from '@dk/spec';

/** A composite was configured wrongly (names not matching libraries, duplicate member names). */
export class CompositeLibraryError extends DkError {
  static override readonly errorName: string = 'CompositeLibraryError';

  constructor(message: string) {
    super({ message, code: 'PROMPT_COMPOSITE_INVALID' });
  }
}
