import { KyselyConversationStore, StoreSettingsError } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Pool } from 'pg';
import { createPostgresStoreDialect } from './postgres-store-dialect.js';

/** Settings of {@link PostgresConversationStore}: give exactly one of `connectionString` or `pool`. */
export interface PostgresConversationStoreSettings {
  /** Connection URL; the store creates (lazily) and owns a `pg.Pool`, ended on `close()`. */
  readonly connectionString?: string;
  /** A ready `pg.Pool` the application owns (the store never ends it). */
  readonly pool?: Pool;
  /** Schema holding the store's tables, created by the migrations. Default `public`. */
  readonly schema?: string;
  /** Size of the pool the store creates from `connectionString`. Default 10. */
  readonly maxConnections?: number;
  /** Run pending schema migrations before the first operation. Default `true`. */
  readonly autoMigrate?: boolean;
  /** Generator of conversation ids when `create` gets none. Default `crypto.randomUUID`. */
  readonly generateId?: () => string;
}

const schemaPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function open(settings: PostgresConversationStoreSettings): {
  readonly db: Kysely<StoreDatabase>;
  readonly owned: boolean;
} {
  const { connectionString, pool } = settings;
  if ((connectionString === undefined) === (pool === undefined)) {
    throw new StoreSettingsError({
      provider: 'postgres',
      setting: 'connectionString',
      reason: 'give exactly one of `connectionString` (e.g. process.env.DATABASE_URL) or `pool` (a pg.Pool).',
    });
  }
  if (pool !== undefined)
    return { db: new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) }), owned: false };
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new StoreSettingsError({
      provider: 'postgres',
      setting: 'connectionString',
      reason: 'must be a non-empty postgres:// URL (is DATABASE_URL set?).',
    });
  }
  const max = settings.maxConnections ?? 10;
  if (!Number.isInteger(max) || max < 1) {
    throw new StoreSettingsError({
      provider: 'postgres',
      setting: 'maxConnections',
      reason: 'must be a positive integer.',
    });
  }
  // The pool connects lazily, on first use.
  const dialect = new PostgresDialect({ pool: async () => new pg.Pool({ connectionString, max }) });
  return { db: new Kysely<StoreDatabase>({ dialect }), owned: true };
}

/**
 * `ConversationStore` on PostgreSQL (pg): one row per node, JSONB metadata with a GIN
 * index, full-text search, numbered migrations. Built for several app servers sharing one
 * database: appends lock the conversation row, so node ids stay unique across processes.
 */
export class PostgresConversationStore extends KyselyConversationStore {
  /** The schema holding this store's tables. */
  readonly schema: string;

  constructor(settings: PostgresConversationStoreSettings) {
    const schema = settings.schema ?? 'public';
    if (!schemaPattern.test(schema)) {
      throw new StoreSettingsError({
        provider: 'postgres',
        setting: 'schema',
        reason: 'must be an unquoted identifier: a letter or `_`, then letters, digits or `_` (at most 63).',
      });
    }
    const { db, owned } = open(settings);
    super({
      db,
      dialect: createPostgresStoreDialect(schema),
      ...(settings.autoMigrate === undefined ? {} : { autoMigrate: settings.autoMigrate }),
      ...(settings.generateId === undefined ? {} : { generateId: settings.generateId }),
      ...(owned ? { release: () => db.destroy() } : {}),
    });
    this.schema = schema;
  }
}
