// Child process of the multi-process tests: opens the shared SQLite file and runs a task.
import { runStoreWorker } from '@dk/test-kit/store-worker';
import { createSqliteConversationStore } from '../create-sqlite-conversation-store.js';

await runStoreWorker(createSqliteConversationStore({ path: process.env['DK_SQLITE_PATH']! }));
