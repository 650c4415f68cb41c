import { checkOptions } from '@dk/spec';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';
import { migrateSchema } from './migrate-schema.js';
import type { MigrationResult } from './migrate-schema.js';

/** Options of a {@link SqlConnection}. */
export interface SqlConnectionOptions {
  /** The Kysely instance every component of the backend runs its statements on. */
  readonly db: StoreExecutor;
  /** The backend's SQL differences, including its one numbered migration list. */
  readonly dialect: KyselyStoreDialect;
  /**
   * Closes the clients this connection opened (a database file, a pool); absent when they
   * were given by the application, which then closes them.
   */
  readonly destroy?: () => Promise<void>;
}

/**
 * One database of a SQL backend as its components share it: one Kysely instance (so one
 * SQLite connection or one PostgreSQL pool) and one migration runner over one numbered
 * migration list and one `dk_schema_migrations` table. The conversation store, the search
 * adapters and the embedding cache of a backend all run on one of these.
 */
export class SqlConnection {
  /** The Kysely instance. */
  readonly db: StoreExecutor;
  /** The backend's SQL differences. */
  readonly dialect: KyselyStoreDialect;
  readonly #destroy: (() => Promise<void>) | undefined;
  #migrated: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** @throws {InvalidOptionsError} for an unknown option (with the name it most likely meant). */
  constructor(options: SqlConnectionOptions) {
    checkOptions('SqlConnection', options, ['db', 'dialect', 'destroy']);
    const { db, dialect, destroy } = options;
    this.db = db;
    this.dialect = dialect;
    this.#destroy = destroy;
  }

  /** Backend name for errors and logs, e.g. `sqlite`. */
  get provider(): string {
    return this.dialect.provider;
  }

  /** The newest schema version the backend's migrations produce. */
  get latestSchemaVersion(): number {
    return this.dialect.migrations.at(-1)?.version ?? 0;
  }

  /** Applies pending migrations (up to `targetVersion`); see `migrateSchema`. */
  async migrate({ targetVersion }: { readonly targetVersion?: number } = {}): Promise<MigrationResult> {
    const result = await migrateSchema(this.db, this.dialect, { targetVersion });
    if (result.toVersion === this.latestSchemaVersion) this.#migrated ??= Promise.resolve();
    return result;
  }

  /** Migrates to the latest version once per connection; a failure is retried by the next call. */
  ensureMigrated(): Promise<void> {
    this.#migrated ??= this.migrate().then(
      () => undefined,
      (error: unknown) => {
        this.#migrated = undefined;
        throw error;
      },
    );
    return this.#migrated;
  }

  /** Closes what this connection opened (nothing when the clients were injected). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#migrated?.catch(() => undefined);
      await this.#destroy?.();
    })();
    return this.#closing;
  }
}
