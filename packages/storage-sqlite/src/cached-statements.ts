import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many prepared statements to keep per database. */
const cacheSize = 256;

/**
 * Wraps a better-sqlite3 `Database` for Kysely so each distinct SQL text is prepared once.
 * Kysely prepares every statement anew, and compiling the node insert (with its FTS
 * trigger) costs more than running it. `close` is forwarded only when `closes` is true, so
 * an injected database stays open. `afterWrite` runs after each statement that may have
 * committed a write (one that writes, or a transaction's end), holding the connection.
 */
export function withCachedStatements(
  database: Database.Database,
  { closes, afterWrite }: { readonly closes: boolean; readonly afterWrite?: () => void },
): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(text: string): SqliteStatement {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = noticingWrites(database.prepare(text), afterWrite);
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

/**
 * `statement` for Kysely, calling `afterWrite` after it ran when it may have written:
 * `readonly` is false for a statement that writes, true for `COMMIT` (which Kysely runs as a
 * non-reader). Reads go unwrapped.
 */
function noticingWrites(statement: Database.Statement, afterWrite: (() => void) | undefined): SqliteStatement {
  if (afterWrite === undefined || (statement.readonly && statement.reader)) {
    return statement as unknown as SqliteStatement;
  }
  const noticed = <T>(result: T): T => {
    afterWrite();
    return result;
  };
  return {
    reader: statement.reader,
    all: (parameters) => noticed(statement.all(parameters)),
    run: (parameters) => noticed(statement.run(parameters)),
    iterate: (parameters) => statement.iterate(parameters),
  };
}
