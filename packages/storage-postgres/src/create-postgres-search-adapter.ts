import { PostgresSearchAdapter } from './postgres-search-adapter.js';
import type { PostgresSearchAdapterSettings } from './postgres-search-adapter.js';

/**
 * Creates a {@link PostgresSearchAdapter} from `{ name, connectionString }` (the adapter owns
 * a pool) or `{ name, pool }` (a `pg.Pool` you own, e.g. the one your conversation store
 * uses), with an optional `schema` and text-search `language`.
 */
export function createPostgresSearchAdapter(settings: PostgresSearchAdapterSettings): PostgresSearchAdapter {
  return new PostgresSearchAdapter(settings);
}
