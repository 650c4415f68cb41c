import { DkError } from '@dk/spec';

/** A versioning operation was invalid: bad semver, duplicate version, unknown label or experiment. */
export class VersioningError extends DkError {
  static override readonly errorName: string = 'VersioningError';

  constructor(options: { readonly message: string; readonly code?: string }) {
    super({ message: options.message, code: options.code ?? 'PROMPT_VERSIONING' });
  }
}
