// Result codes of a lock that did not clear within `busy_timeout`: another connection held it.
const transientCodes: ReadonlySet<string> = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']);

/**
 * True for a better-sqlite3 error that is transient: the database stayed locked by another
 * writer for longer than `busy_timeout`. The same operation may succeed when run again.
 */
export function isTransientSqliteError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && transientCodes.has(String((error as { code?: unknown }).code));
}
