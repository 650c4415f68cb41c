import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** A store was used after `close()`. */
export class StoreClosedError extends DkError {
  static override readonly errorName: string = 'StoreClosedError';

  /** The store's backend name. */
  readonly backend: string;
  /** The operation that was attempted. */
  readonly operation: string;

  constructor({ backend, operation }: { readonly backend: string; readonly operation: string }) {
    super({
      message: `The ${backend} conversation store is closed; \`${operation}\` cannot run. Create a new store instead of reusing a closed one.`,
      code: 'STORE_CLOSED',
    });
    this.backend = backend;
    this.operation = operation;
  }

  override get fields(): DkErrorFields {
    return { backend: this.backend, operation: this.operation };
  }
}
