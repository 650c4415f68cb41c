import { ConversationStoreError } from './conversation-store-error.js';
import type { ConversationStoreErrorOptions } from './conversation-store-error.js';

/**
 * The database could not be reached or dropped the connection (terminated, reset, refused,
 * busy): a transient failure. Retryable — the store reconnects on the next operation. When
 * it interrupts a write, the write was rolled back, except in the rare case where the
 * connection dropped while the commit itself was in flight.
 */
export class StoreUnavailableError extends ConversationStoreError {
  static override readonly errorName: string = 'StoreUnavailableError';

  constructor(options: ConversationStoreErrorOptions) {
    super({
      ...options,
      hint:
        options.hint ??
        'This is transient: the store reconnects on the next call, so retry the operation (with a backoff).',
      code: 'STORE_UNAVAILABLE',
      isRetryable: true,
    });
  }
}
