import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many prepared statements to keep per database. */
const cacheSize = 256;

/**
 * Wraps a better-sqlite3 `Database` for Kysely so each distinct SQL text is prepared once.
 * Kysely prepares every statement anew, and compiling the node insert (with its FTS
 * trigger) costs more than running it. `close` is forwarded only when `closes` is true, so
 * an injected database stays open.
 */
export function withCachedStatements(
  database: Database.Database,
  { closes }: { readonly closes: boolean },
): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(text: string): SqliteStatement {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = database.prepare(text) as unknown as SqliteStatement;
        if (statements.size >= cacheSize) statements.delete(statements.keys().next().value!);
      } else {
        // Re-insert to keep the map in least-recently-used order.
        statements.delete(text);
      }
      statements.set(text, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      if (closes) database.close();
    },
  };
}
