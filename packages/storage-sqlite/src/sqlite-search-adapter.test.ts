import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSearchAdapterConformance } from '@dk/test-kit';
import { afterAll } from 'vitest';
import { SqliteSearchAdapter } from './sqlite-search-adapter.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-search-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// One file shared by every test: each adapter gets its own collection, as several adapters
// sharing a database would.
runSearchAdapterConformance('sqlite', {
  batchSize: 7,
  createAdapter: (name) => new SqliteSearchAdapter({ name, path: join(directory, 'search.db'), batchSize: 7 }),
});
