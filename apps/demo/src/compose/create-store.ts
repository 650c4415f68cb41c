import type { ConversationStore } from '@dk/spec';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StorageConfig } from '../config/demo-config.js';
import { DemoConfigError } from '../config/demo-config-error.js';

/**
 * Builds the configured conversation store. Only the composition root calls this; each
 * store package (and its database driver) is imported only when configured.
 */
export async function createStore(
  config: StorageConfig,
  appDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConversationStore> {
  switch (config.type) {
    case 'memory': {
      const { MemoryConversationStore } = await import('@dk/storage-memory');
      return new MemoryConversationStore();
    }
    case 'sqlite': {
      const { SqliteConversationStore } = await import('@dk/storage-sqlite');
      const path = resolve(appDir, config.sqlitePath);
      try {
        mkdirSync(dirname(path), { recursive: true });
        return new SqliteConversationStore({ path });
      } catch (cause) {
        throw new DemoConfigError({
          key: 'storage.sqlitePath',
          source: path,
          problem: `cannot be opened (${cause instanceof Error ? cause.message : String(cause)})`,
          hint: 'Point storage.sqlitePath (or DK_SQLITE_PATH) at a writable file.',
          cause,
        });
      }
    }
    case 'postgres': {
      const connectionString = env[config.postgresUrlEnv];
      if (connectionString === undefined || connectionString === '') {
        throw new DemoConfigError({
          key: config.postgresUrlEnv,
          source: 'environment',
          problem: 'is not set, and storage.type is "postgres"',
          hint: `Set ${config.postgresUrlEnv}=postgres://user@host:5432/database, or choose another storage with DK_STORAGE=sqlite.`,
        });
      }
      const { PostgresConversationStore } = await import('@dk/storage-postgres');
      const readConnectionString = env[config.postgresReadUrlEnv];
      return new PostgresConversationStore({
        connectionString,
        ...(readConnectionString === undefined || readConnectionString === '' ? {} : { readConnectionString }),
        ...(config.postgresSchema === undefined ? {} : { schema: config.postgresSchema }),
      });
    }
  }
}
