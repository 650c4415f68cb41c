import { ConversationStoreError, DkError, StoreUnavailableError } from '@dk/spec';
import type { KyselyStoreDialect } from './kysely-store-dialect.js';

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 300);
}

/**
 * The error a store operation rejects with: dk errors as they are; a transient driver error
 * (per the dialect) as a retryable `StoreUnavailableError`; any other as
 * `ConversationStoreError`. The driver error is kept as `cause`.
 */
export function toStoreError(error: unknown, dialect: KyselyStoreDialect, operation: string): DkError {
  if (DkError.isInstance(error)) return error;
  const options = { provider: dialect.provider, operation, detail: describeError(error), cause: error };
  return dialect.isTransientError?.(error) === true
    ? new StoreUnavailableError(options)
    : new ConversationStoreError(options);
}
