// Child process of the multi-process tests: opens the shared schema and runs a task.
import { runStoreWorker } from '@dk/test-kit/store-worker';
import { createPostgresConversationStore } from '../create-postgres-conversation-store.js';

await runStoreWorker(
  createPostgresConversationStore({
    connectionString: process.env['DK_POSTGRES_URL']!,
    schema: process.env['DK_POSTGRES_SCHEMA']!,
    maxConnections: 2,
  }),
);
