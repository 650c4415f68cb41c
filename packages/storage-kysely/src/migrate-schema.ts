import { ConversationStoreError, InvalidFilterError } from '@dk/spec';
import { sql } from 'kysely';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';

/** Result of a migration run. */
export interface MigrationResult {
  /** Schema version before the call (0 for an empty database). */
  readonly fromVersion: number;
  /** Schema version after the call. */
  readonly toVersion: number;
}

/**
 * The one migration runner of a SQL backend: applies the dialect's numbered migrations above
 * the version recorded in `dk_schema_migrations` (up to `targetVersion`, default the latest)
 * in one write transaction, serialised across processes by the dialect's migration lock.
 * Fails with `ConversationStoreError` when the database is newer than the migrations.
 */
export async function migrateSchema(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  { targetVersion }: { readonly targetVersion?: number | undefined } = {},
): Promise<MigrationResult> {
  const latest = dialect.migrations.at(-1)?.version ?? 0;
  const target = targetVersion ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new InvalidFilterError({ field: 'targetVersion', reason: `must be an integer from 0 to ${latest}.` });
  }
  const history = dialect.table('dk_schema_migrations');
  return dialect.writeTransaction(db, async (executor) => {
    await dialect.lockForMigration(executor);
    await sql`CREATE TABLE IF NOT EXISTS ${history} (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`.execute(executor);
    const { rows } = await sql<{
      version: number | string | null;
    }>`SELECT max(version) AS version FROM ${history}`.execute(executor);
    const fromVersion = Number(rows[0]?.version ?? 0);
    if (fromVersion > latest) {
      throw new ConversationStoreError({
        provider: dialect.provider,
        operation: 'migrate',
        detail: `the database is at schema version ${fromVersion}, newer than the ${latest} this package knows`,
        hint: `Upgrade the @dk/storage-${dialect.provider} package.`,
      });
    }
    for (const migration of dialect.migrations) {
      if (migration.version <= fromVersion || migration.version > target) continue;
      await migration.up(executor);
      await sql`INSERT INTO ${history} (version, name, applied_at)
        VALUES (${migration.version}, ${migration.name}, ${Date.now()})`.execute(executor);
    }
    return { fromVersion, toVersion: Math.max(fromVersion, target) };
  });
}
