import type { KyselyStoreDialect } from '@dk/storage-kysely';
import { sql } from 'kysely';
import type { SqlBool } from 'kysely';
import { sqliteMigrations } from './sqlite-migrations.js';

function kindOf(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  return typeof value === 'number' ? 'number' : 'text';
}

/** The SQLite side of the shared Kysely store: FTS5 search, `json_each` metadata index, `BEGIN IMMEDIATE`. */
export const sqliteStoreDialect: KyselyStoreDialect = {
  backend: 'sqlite',
  migrations: sqliteMigrations,
  table: (name) => sql.table(name),
  async writeTransaction(db, work) {
    return db.connection().execute(async (connection) => {
      // Take the write lock first: a deferred transaction that reads and then writes fails
      // with SQLITE_BUSY when another process wrote in between; IMMEDIATE waits (busy_timeout).
      await sql`BEGIN IMMEDIATE`.execute(connection);
      try {
        const result = await work(connection);
        await sql`COMMIT`.execute(connection);
        return result;
      } catch (error) {
        await sql`ROLLBACK`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  },
  async lockForMigration() {
    // BEGIN IMMEDIATE already holds the database write lock.
  },
  forUpdate: sql``,
  jsonParameter: (json) => sql`${json}`,
  jsonText: (column) => sql<string>`${sql.ref(column)}`,
  metadataCondition(entries) {
    return sql<SqlBool>`${sql.join(
      entries.map(([key, value]) => {
        const kind = kindOf(value);
        const valueCondition = kind === 'number' || kind === 'text' ? sql` AND m.value = ${value}` : sql``;
        return sql`c.id IN (SELECT m.conversation_id FROM dk_conversation_metadata m
          WHERE m.key = ${key} AND m.kind = ${kind}${valueCondition})`;
      }),
      sql` AND `,
    )}`;
  },
  textCondition(tokens) {
    // Tokens are letters and digits only; quoting makes each a plain FTS5 term (implicit AND).
    const query = tokens.map((token) => `"${token}"`).join(' ');
    return sql<SqlBool>`c.id IN (SELECT n.conversation_id FROM dk_nodes n
      WHERE n.seq IN (SELECT rowid FROM dk_nodes_fts WHERE dk_nodes_fts MATCH ${query}))`;
  },
};
