import { dropSchema, postgresTestUrl, randomSchemaName, runConversationStoreConformance, shouldSkipPostgres } from '@dk/test-kit';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';
import type { PostgresConversationStore } from './postgres-conversation-store.js';

const skip = await shouldSkipPostgres();
const run = randomSchemaName();
let counter = 0;

runConversationStoreConformance('postgres', {
  skip,
  createStore: () =>
    createPostgresConversationStore({
      connectionString: postgresTestUrl(),
      schema: `${run}_${(counter += 1)}`,
      maxConnections: 4,
    }),
  destroyStore: async (store) => {
    await store.close();
    await dropSchema((store as PostgresConversationStore).schema);
  },
});
