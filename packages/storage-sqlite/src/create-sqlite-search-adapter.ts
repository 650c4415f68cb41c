import { SqliteSearchAdapter } from './sqlite-search-adapter.js';
import type { SqliteSearchAdapterSettings } from './sqlite-search-adapter.js';

/**
 * Creates a {@link SqliteSearchAdapter} from `{ name, path }` (a file the adapter opens in WAL
 * mode) or `{ name, database }` (a better-sqlite3 `Database` you own, e.g. the one your
 * conversation store uses).
 */
export function createSqliteSearchAdapter(settings: SqliteSearchAdapterSettings): SqliteSearchAdapter {
  return new SqliteSearchAdapter(settings);
}
