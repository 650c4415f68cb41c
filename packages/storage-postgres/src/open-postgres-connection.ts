import { SqlConnection } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import type { SettingsChecker } from '@dk/storage-utils';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Pool } from 'pg';
import { NamedStatements, withNamedStatements } from './named-statement-pool.js';
import { createPostgresStoreDialect } from './postgres-store-dialect.js';

/** Where a PostgreSQL-backed component keeps its data: give exactly one of `connectionString` or `pool`. */
export interface PostgresConnectionSettings {
  /** Connection URL; the component creates (lazily) and owns a `pg.Pool`, ended on `close()`. */
  readonly connectionString?: string;
  /**
   * A ready `pg.Pool` the application owns (never ended by the component). Components given
   * the same pool and schema share one Kysely instance and one migration history.
   */
  readonly pool?: Pool;
  /** Schema holding the tables, created by the migrations. Default `public`. */
  readonly schema?: string;
  /** Size of the pool created from `connectionString`. Default 10. */
  readonly maxConnections?: number;
  /**
   * With `connectionString`: called when a pooled connection fails (the server terminated
   * it, the network dropped); the pool discards that connection and the next operation opens
   * a new one. Default: ignore. The process never crashes on it, with or without this. (With
   * an injected `pool`, listen on the pool yourself: `pool.on('error', …)`.)
   */
  readonly onConnectionError?: (error: Error) => void;
  /**
   * Hash-partition `dk_nodes` and `dk_conversation_metadata` by conversation id into this many
   * partitions (at least 2) when the migrations create them (schema versions 4 and 6): the layout
   * Citus distributes by. Existing tables keep their layout.
   * Default: one plain table.
   */
  readonly nodePartitions?: number;
}

/** The setting names of {@link PostgresConnectionSettings}. */
export const postgresConnectionSettingNames = [
  'connectionString',
  'pool',
  'schema',
  'maxConnections',
  'onConnectionError',
  'nodePartitions',
] as const;

const schemaPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

interface SharedPool {
  readonly db: Kysely<StoreDatabase>;
  readonly statements: NamedStatements;
  readonly schemas: Map<string, SqlConnection>;
}

/** Connections of injected pools, so every component given one pool shares one Kysely instance. */
const shared = new WeakMap<Pool, SharedPool>();
const guardedClients = new WeakSet<object>();

/**
 * Makes a pool safe against dropped connections: `pg` emits `error` on the pool for an idle
 * client and on the client itself for one that is checked out; an unhandled `error` event
 * crashes the process. Both are handled; the broken client is discarded by the pool (idle)
 * or on release (checked out, its query rejected), and the next operation reconnects.
 */
function guardPool(pool: Pool, report: (error: Error) => void): void {
  // Required by pg for idle clients; reporting happens on the client below, once per event.
  pool.on('error', () => undefined);
  const guard = (client: pg.PoolClient) => {
    if (guardedClients.has(client)) return;
    guardedClients.add(client);
    client.on('error', report);
  };
  pool.on('connect', guard);
  pool.on('acquire', guard);
}

/**
 * Validates the connection settings and returns the connection for `schema`: a new one over
 * a pool it creates lazily, or the shared one of an injected `pool`.
 * @throws {StoreSettingsError} naming the bad setting.
 */
export function openPostgresConnection(
  settings: PostgresConnectionSettings,
  check: SettingsChecker,
): { readonly connection: SqlConnection; readonly schema: string } {
  const schema = check.string('schema', settings.schema, {
    fallback: 'public',
    pattern: schemaPattern,
    reason: 'must be an unquoted identifier: a letter or `_`, then letters, digits or `_` (at most 63).',
  });
  const onConnectionError = check.callback<(error: Error) => void>('onConnectionError', settings.onConnectionError);
  const nodePartitions =
    settings.nodePartitions === undefined
      ? undefined
      : check.integer('nodePartitions', settings.nodePartitions, { min: 2, fallback: 2 });
  const dialectOptions = { nodePartitions };
  const { connectionString, pool } = settings;
  if ((connectionString === undefined) === (pool === undefined)) {
    throw check.fail(
      'connectionString',
      'give exactly one of `connectionString` (e.g. process.env.DATABASE_URL) or `pool` (a pg.Pool).',
    );
  }
  if (pool !== undefined) {
    if (typeof pool?.connect !== 'function' || typeof pool.on !== 'function') {
      throw check.fail('pool', 'must be a `pg.Pool`.');
    }
    if (onConnectionError !== undefined) {
      throw check.fail(
        'onConnectionError',
        "applies to a pool the component creates; listen on your pool with `pool.on('error', …)`.",
      );
    }
    let entry = shared.get(pool);
    if (entry === undefined) {
      guardPool(pool, () => undefined);
      const statements = new NamedStatements();
      entry = {
        db: new Kysely<StoreDatabase>({
          dialect: new PostgresDialect({ pool: withNamedStatements(pool, statements) }),
        }),
        statements,
        schemas: new Map(),
      };
      shared.set(pool, entry);
    }
    let connection = entry.schemas.get(schema);
    if (connection === undefined) {
      connection = new SqlConnection({
        db: entry.db,
        dialect: createPostgresStoreDialect(schema, dialectOptions, entry.statements),
      });
      entry.schemas.set(schema, connection);
    }
    return { connection, schema };
  }
  const url = check.string('connectionString', connectionString, {
    reason: 'must be a non-empty postgres:// URL (is DATABASE_URL set?).',
  });
  const max = check.integer('maxConnections', settings.maxConnections, { min: 1, fallback: 10 });
  const statements = new NamedStatements();
  // The pool is created on first use, so constructing a component opens no connection.
  const dialect = new PostgresDialect({
    pool: async () => {
      const created = new pg.Pool({ connectionString: url, max });
      guardPool(created, onConnectionError ?? (() => undefined));
      return withNamedStatements(created, statements);
    },
  });
  const db = new Kysely<StoreDatabase>({ dialect });
  return {
    connection: new SqlConnection({
      db,
      dialect: createPostgresStoreDialect(schema, dialectOptions, statements),
      destroy: () => db.destroy(),
    }),
    schema,
  };
}
