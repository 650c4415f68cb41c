import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server tests use: `DK_TEST_POSTGRES_URL`, else the local server
 * (127.0.0.1:5432, user postgres, database `test`).
 */
export function postgresTestUrl(): string {
  return process.env['DK_TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
}

/** True when the test server answers within two seconds. */
export async function isPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresTestUrl(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether PostgreSQL tests should be skipped: only when the server is unreachable AND this
 * is not CI. In CI (`CI` set) the tests always run, and fail if the server is missing.
 */
export async function shouldSkipPostgres(): Promise<boolean> {
  if (process.env['CI']) return false;
  return !(await isPostgresReachable());
}

/** A fresh schema name for one test run (`dk_test_<random>`), so concurrent runs never share tables. */
export function randomSchemaName(prefix = 'dk_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`refusing to drop odd schema name ${schema}`);
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
