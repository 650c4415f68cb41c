import { dropSchema, postgresTestUrl, randomSchemaName, runSearchAdapterConformance, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll } from 'vitest';
import { PostgresSearchAdapter } from './postgres-search-adapter.js';

const skip = await shouldSkipPostgres();
const schema = randomSchemaName('dk_search_test');
const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 4 });
afterAll(async () => {
  await pool.end();
  if (!skip) await dropSchema(schema);
});

// One schema for the run: each adapter gets its own collection, as several adapters sharing
// a database would. The pool is the application's, so closing an adapter leaves it open.
runSearchAdapterConformance('postgres', {
  skip,
  batchSize: 7,
  createAdapter: (name) => new PostgresSearchAdapter({ name, pool, schema, batchSize: 7 }),
});
