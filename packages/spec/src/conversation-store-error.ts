import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** The storage backend failed (connection, disk, SQL error); the driver error is the `cause`. */
export class ConversationStoreError extends DkError {
  static override readonly errorName: string = 'ConversationStoreError';

  /** The store's backend name, e.g. `sqlite`. */
  readonly backend: string;
  /** The store operation that failed, e.g. `appendNode`. */
  readonly operation: string;

  constructor({
    backend,
    operation,
    detail,
    cause,
  }: {
    readonly backend: string;
    readonly operation: string;
    /** Short description of the failure (never a connection string or secret). */
    readonly detail: string;
    readonly cause?: unknown;
  }) {
    super({
      message: `The ${backend} conversation store failed during \`${operation}\`: ${detail}. Check that the database is reachable and migrated (\`store.migrate()\`).`,
      code: 'STORE_FAILURE',
      cause,
    });
    this.backend = backend;
    this.operation = operation;
  }

  override get fields(): DkErrorFields {
    return { backend: this.backend, operation: this.operation };
  }
}
