import type { PoolClient } from 'pg';

// The search adapter's own numbered migrations, recorded in `<schema>.dk_search_migrations`
// so they never change the conversation store's migration history.
function migrations(schema: string): readonly string[] {
  const table = `"${schema}".dk_search_chunks`;
  return [
    `CREATE TABLE ${table} (
       seq bigserial PRIMARY KEY,
       collection text NOT NULL,
       chunk_id text NOT NULL,
       document_id text NOT NULL,
       chunk_index integer NOT NULL,
       content text NOT NULL,
       metadata jsonb NOT NULL,
       tsv tsvector NOT NULL,
       token_count integer NOT NULL,
       UNIQUE (collection, chunk_id)
     );
     CREATE INDEX dk_search_chunks_document ON ${table} (collection, document_id);
     CREATE INDEX dk_search_chunks_tsv ON ${table} USING GIN (tsv);`,
    // Collection size and total length, kept by every write, so a query reads BM25's corpus
    // statistics from one row instead of aggregating the collection.
    `CREATE TABLE "${schema}".dk_search_stats (
       collection text PRIMARY KEY,
       chunk_count bigint NOT NULL,
       token_total bigint NOT NULL
     );
     INSERT INTO "${schema}".dk_search_stats (collection, chunk_count, token_total)
       SELECT collection, count(*), coalesce(sum(token_count), 0) FROM ${table} GROUP BY collection;
     -- No pending list: queries read the GIN index alone, and the planner costs it as such.
     ALTER INDEX "${schema}".dk_search_chunks_tsv SET (fastupdate = off);`,
  ];
}

/**
 * Applies pending search migrations in one transaction, serialised across processes by an
 * advisory lock; returns the versions applied. `schema` must already be a checked identifier.
 */
export async function migratePostgresSearch(client: PoolClient, schema: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('dk_search_migrations'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".dk_search_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM "${schema}".dk_search_migrations`,
    );
    const current = rows[0]?.version ?? 0;
    const list = migrations(schema);
    const applied: number[] = [];
    for (let version = current + 1; version <= list.length; version++) {
      await client.query(list[version - 1]!);
      await client.query(`INSERT INTO "${schema}".dk_search_migrations (version) VALUES ($1)`, [version]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
