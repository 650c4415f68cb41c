import { createHash } from 'node:crypto';
import { LastAppendedNodes } from '@dk/storage-kysely';
import type { KyselyStoreDialect, StoreTable } from '@dk/storage-kysely';
import { sql } from 'kysely';
import type { SqlBool } from 'kysely';
import { isTransientPostgresError } from './is-transient-postgres-error.js';
import type { NamedStatements } from './named-statement-pool.js';
import { appendNodeWithFunction } from './postgres-append-function.js';
import { postgresMigrations } from './postgres-migrations.js';
import type { PostgresMigrationOptions } from './postgres-migrations.js';

/**
 * The PostgreSQL side of the shared Kysely store for tables in `schema`: metadata filters on
 * the `dk_conversation_metadata` B-tree, full-text search over a generated `tsvector`, row locks,
 * and hot statements as named prepared statements when given the pool's `statements`.
 */
export function createPostgresStoreDialect(
  schema: string,
  options: PostgresMigrationOptions = {},
  statements?: NamedStatements,
): KyselyStoreDialect {
  const table = (name: StoreTable) => sql.table(`${schema}.${name}`);
  const lastAppended = new LastAppendedNodes();
  const dialect: KyselyStoreDialect = {
    provider: 'postgres',
    ...(statements === undefined ? {} : { markPrepared: (text: string) => statements.mark(text) }),
    migrations: postgresMigrations(schema, options),
    isTransientError: isTransientPostgresError,
    table,
    writeTransaction: (db, work) => db.transaction().execute(work),
    async lockForMigration(executor) {
      // Serialises concurrent first starts of several app servers on one database.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`dk-conversation-store:${schema}`}))`.execute(executor);
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(executor);
    },
    forUpdate: sql`FOR UPDATE`,
    jsonParameter: (json) => sql`CAST(${json} AS jsonb)`,
    jsonText: (column) => sql<string>`${sql.ref(column)}::text`,
    async metadataCondition(entries) {
      // One semi-join per key on dk_conversation_metadata: the planner collects a selective
      // key's few matches through (key, value), or walks the sort index and probes
      // (conversation_id, key) when most rows match, whichever its statistics favour.
      const conditions = entries.map(
        ([key, value]) => sql<SqlBool>`EXISTS (SELECT 1 FROM ${table('dk_conversation_metadata')} m
          WHERE m.conversation_id = c.id AND m.key = ${key} AND m.value = CAST(${JSON.stringify(value)} AS jsonb))`,
      );
      return sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
    },
    async createMetadataIndex(executor, key) {
      const name = `dk_conversations_meta_${key.replace(/[^A-Za-z0-9_]/g, '_')}_${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
      await sql`CREATE INDEX IF NOT EXISTS ${sql.id(name)}
        ON ${table('dk_conversations')} ((metadata -> ${sql.lit(key)}), updated_at, id)`.execute(executor);
    },
    indexedMetadataCondition(key, value) {
      // The key is a literal so the condition matches the index expression; jsonb equality keeps types apart.
      return sql<SqlBool>`c.metadata -> ${sql.lit(key)} = CAST(${JSON.stringify(value)} AS jsonb)`;
    },
    appendNode: (db, write) => appendNodeWithFunction(db, dialect, schema, lastAppended, write),
    textCondition(tokens) {
      // Tokens are letters and digits only, so plainto_tsquery sees the same words.
      return sql<SqlBool>`c.id IN (SELECT n.conversation_id FROM ${table('dk_nodes')} n
        WHERE n.content_tsv @@ plainto_tsquery('simple'::regconfig, ${tokens.join(' ')}))`;
    },
  };
  return dialect;
}
