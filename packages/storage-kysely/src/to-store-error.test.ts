import { ConversationNotFoundError, ConversationStoreError, StoreUnavailableError } from '@dk/spec';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { KyselyStoreDialect } from './kysely-store-dialect.js';
import { toStoreError } from './to-store-error.js';

/** A dialect whose only behaviour here is classifying errors coded `TRANSIENT` as transient. */
const dialect: KyselyStoreDialect = {
  provider: 'test',
  migrations: [],
  table: (name) => sql.table(name),
  writeTransaction: (db, work) => work(db),
  lockForMigration: async () => undefined,
  forUpdate: sql``,
  jsonParameter: (json) => sql`${json}`,
  jsonText: (column) => sql<string>`${sql.ref(column)}`,
  metadataCondition: async () => sql`1 = 1`,
  createMetadataIndex: async () => undefined,
  indexedMetadataCondition: () => sql`1 = 1`,
  textCondition: () => sql`1 = 1`,
  isTransientError: (error) => (error as { code?: unknown }).code === 'TRANSIENT',
};

describe('toStoreError', () => {
  it('keeps dk errors, marks transient driver errors retryable and wraps the rest', () => {
    const notFound = new ConversationNotFoundError({ conversationId: 'c' });
    expect(toStoreError(notFound, dialect, 'get')).toBe(notFound);

    const dropped = Object.assign(new Error('connection reset'), { code: 'TRANSIENT' });
    const transient = toStoreError(dropped, dialect, 'appendNode');
    expect(StoreUnavailableError.isInstance(transient)).toBe(true);
    expect(transient).toMatchObject({ isRetryable: true, provider: 'test', operation: 'appendNode', cause: dropped });
    expect(transient.message).toContain('TRANSIENT: connection reset');

    const broken = toStoreError(Object.assign(new Error('x'.repeat(1000)), { code: 'E42' }), dialect, 'list');
    expect(ConversationStoreError.isInstance(broken) && !StoreUnavailableError.isInstance(broken)).toBe(true);
    expect((broken as ConversationStoreError).isRetryable).toBe(false);
    expect(broken.message.length).toBeLessThan(500);
    const { isTransientError: _ignored, ...plain } = dialect;
    expect(StoreUnavailableError.isInstance(toStoreError(dropped, plain, 'get'))).toBe(false);
  });
});
