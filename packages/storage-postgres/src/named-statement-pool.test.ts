import { postgresTestUrl, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { NamedStatements, withNamedStatements } from './named-statement-pool.js';

const skip = await shouldSkipPostgres();

describe.skipIf(skip)('withNamedStatements', () => {
  it('does not give a connection back to the pool once a query on it found it lost', async () => {
    const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
    pool.on('error', () => {});
    const wrapped = withNamedStatements(pool, new NamedStatements());
    for (let round = 0; round < 20; round += 1) {
      const client = await wrapped.connect();
      // The server ends this very connection while answering: the query fails with 57P01.
      await expect(client.query('SELECT pg_terminate_backend(pg_backend_pid())', [])).rejects.toMatchObject({
        code: '57P01',
      });
      client.release();
      expect(pool.totalCount).toBe(0);
      // The next caller gets a new connection that works.
      const next = await wrapped.connect();
      await expect(next.query('SELECT 1 AS one', [])).resolves.toMatchObject({ rows: [{ one: 1 }] });
      next.release();
    }
    await pool.end();
  });
});
