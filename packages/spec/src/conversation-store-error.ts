import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** Options of a {@link ConversationStoreError}. */
export interface ConversationStoreErrorOptions {
  /** The store's provider name, e.g. `sqlite`. */
  readonly provider: string;
  /** The store operation that failed, e.g. `appendNode`. */
  readonly operation: string;
  /** Short description of the failure (never a connection string or secret). */
  readonly detail: string;
  /** How to fix it. Default: check that the database is reachable and migrated. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * The storage provider failed (connection, disk, SQL error); the driver error is the `cause`.
 * Branch on `isRetryable` (or the `StoreUnavailableError` subclass), never on the message.
 */
export class ConversationStoreError extends DkError {
  static override readonly errorName: string = 'ConversationStoreError';

  /** The store's provider name, e.g. `sqlite`. */
  readonly provider: string;
  /** The store operation that failed, e.g. `appendNode`. */
  readonly operation: string;
  /** Whether the same operation may succeed if run again later (a dropped connection, a busy database). */
  readonly isRetryable: boolean;

  constructor(
    options: ConversationStoreErrorOptions & {
      /** Stable code; default `STORE_FAILURE`. For subclasses. */
      readonly code?: string;
      /** Default `false`. For subclasses. */
      readonly isRetryable?: boolean;
    },
  ) {
    const { provider, operation, detail, cause } = options;
    const hint = options.hint ?? 'Check that the database is reachable and migrated (`store.migrate()`).';
    super({
      message: `The ${provider} conversation store failed during \`${operation}\`: ${detail}. ${hint}`,
      code: options.code ?? 'STORE_FAILURE',
      cause,
    });
    this.provider = provider;
    this.operation = operation;
    this.isRetryable = options.isRetryable ?? false;
  }

  override get fields(): DkErrorFields {
    return { provider: this.provider, operation: this.operation, isRetryable: this.isRetryable };
  }
}
