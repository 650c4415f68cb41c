import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** A store was used after `close()`. */
export class StoreClosedError extends DkError {
  static override readonly errorName: string = 'StoreClosedError';

  /** The store's provider name. */
  readonly provider: string;
  /** The operation that was attempted. */
  readonly operation: string;

  constructor({ provider, operation }: { readonly provider: string; readonly operation: string }) {
    super({
      message: `The ${provider} conversation store is closed; \`${operation}\` cannot run. Create a new store instead of reusing a closed one.`,
      code: 'STORE_CLOSED',
    });
    this.provider = provider;
    this.operation = operation;
  }

  override get fields(): DkErrorFields {
    return { provider: this.provider, operation: this.operation };
  }
}
