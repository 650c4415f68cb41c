import pg from 'pg';

/** The PostgreSQL server the benches use (`DK_BENCH_POSTGRES_URL`, default the local test database). */
export const postgresUrl = process.env['DK_BENCH_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A pool on {@link postgresUrl} once a query has gone through, or `undefined` (pool ended) when the server is unreachable. */
export async function reachablePostgresPool(max = 4): Promise<pg.Pool | undefined> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max, connectionTimeoutMillis: 2000 });
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch {
    await pool.end();
    return undefined;
  }
}
