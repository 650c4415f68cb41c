import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** The storage provider failed (connection, disk, SQL error); the driver error is the `cause`. */
export class ConversationStoreError extends DkError {
  static override readonly errorName: string = 'ConversationStoreError';

  /** The store's provider name, e.g. `sqlite`. */
  readonly provider: string;
  /** The store operation that failed, e.g. `appendNode`. */
  readonly operation: string;

  constructor({
    provider,
    operation,
    detail,
    cause,
  }: {
    readonly provider: string;
    readonly operation: string;
    /** Short description of the failure (never a connection string or secret). */
    readonly detail: string;
    readonly cause?: unknown;
  }) {
    super({
      message: `The ${provider} conversation store failed during \`${operation}\`: ${detail}. Check that the database is reachable and migrated (\`store.migrate()\`).`,
      code: 'STORE_FAILURE',
      cause,
    });
    this.provider = provider;
    this.operation = operation;
  }

  override get fields(): DkErrorFields {
    return { provider: this.provider, operation: this.operation };
  }
}
