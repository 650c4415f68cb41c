import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConversationStoreConformance } from '@dk/test-kit';
import { afterAll } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-store-'));
let counter = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

runConversationStoreConformance('sqlite', {
  createStore: () => createSqliteConversationStore({ path: join(directory, `store-${(counter += 1)}.db`) }),
});
