import { createHash } from 'node:crypto';
import type { KyselyStoreDialect } from '@dk/storage-kysely';
import { sql } from 'kysely';
import type { SqlBool } from 'kysely';
import type Database from 'better-sqlite3';
import { isTransientSqliteError } from './is-transient-sqlite-error.js';
import { appendNodeWithStatements } from './sqlite-append-node.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { indexPendingNodeText } from './sqlite-node-text-index.js';

/** Above this many matches, a filter on a sorted page walks the sort index instead. */
const broadMatchCount = 2000;

function kindOf(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  return typeof value === 'number' ? 'number' : 'text';
}

/** Runs `work` with the better-sqlite3 `Database` while holding the Kysely connection. */
export type WithDatabase = <T>(work: (database: Database.Database) => T | Promise<T>) => Promise<T>;

/**
 * The SQLite side of the shared Kysely store: FTS5 search, `json_each` metadata index,
 * `BEGIN IMMEDIATE`, and appends as prepared statements on the connection `withDatabase` lends
 * (`afterAppend` runs after each one that wrote a node, still holding the connection: the
 * connection's background work).
 */
export function createSqliteStoreDialect(
  withDatabase: WithDatabase,
  afterAppend: (database: Database.Database) => void,
): KyselyStoreDialect {
  return {
    ...sqliteStoreDialect,
    appendNode: (_db, write) =>
      withDatabase((database) => {
        const outcome = appendNodeWithStatements(database, write);
        if (outcome.kind === 'appended') afterAppend(database);
        return outcome;
      }),
  };
}

/** The JSON path of a top-level key (keys are letters, digits, `_`, `-`, `.`, `:`: safe inside quotes). */
const keyPath = (key: string) => sql.lit(`$."${key}"`);

/** A stable index name for a metadata key. */
const metadataIndexName = (key: string) =>
  `dk_conversations_meta_${key.replace(/[^A-Za-z0-9_]/g, '_')}_${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

const sqliteStoreDialect: KyselyStoreDialect = {
  provider: 'sqlite',
  migrations: sqliteMigrations,
  isTransientError: isTransientSqliteError,
  table: (name) => sql.table(name),
  async writeTransaction(db, work) {
    return db.connection().execute(async (connection) => {
      // Take the write lock first: a deferred transaction that reads and then writes fails
      // with SQLITE_BUSY when another process wrote in between; IMMEDIATE waits (busy_timeout).
      await sql`BEGIN IMMEDIATE`.execute(connection);
      try {
        const result = await work(connection);
        await sql`COMMIT`.execute(connection);
        return result;
      } catch (error) {
        await sql`ROLLBACK`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  },
  async lockForMigration() {
    // BEGIN IMMEDIATE already holds the database write lock.
  },
  forUpdate: sql``,
  jsonParameter: (json) => sql`${json}`,
  jsonText: (column) => sql<string>`${sql.ref(column)}`,
  async metadataCondition(entries, { executor, ordered }) {
    const matches = ([key, value]: readonly [string, string | number | boolean | null], alias: string) => {
      const kind = kindOf(value);
      const column = (name: string) => sql.ref(`${alias}.${name}`);
      const valueCondition = kind === 'number' || kind === 'text' ? sql` AND ${column('value')} = ${value}` : sql``;
      return sql`${column('key')} = ${key} AND ${column('kind')} = ${kind}${valueCondition}`;
    };
    // How many conversations each condition matches, counted up to a bound on the index.
    const counted: { entry: (typeof entries)[number]; count: number }[] = [];
    for (const entry of entries) {
      const { rows } = await sql<{
        total: number;
      }>`SELECT count(*) AS total FROM (SELECT 1 FROM dk_conversation_metadata m
        WHERE ${matches(entry, 'm')} LIMIT ${broadMatchCount + 1})`.execute(executor);
      counted.push({ entry, count: Number(rows[0]?.total ?? 0) });
    }
    counted.sort((left, right) => left.count - right.count);
    const probe = (entry: (typeof entries)[number]) =>
      sql`EXISTS (SELECT 1 FROM dk_conversation_metadata p WHERE p.conversation_id = c.id AND ${matches(entry, 'p')})`;
    const conditions = counted.map(({ entry }, index) =>
      // Selective (or unordered): collect the rarest condition's matches through its index and
      // probe the rest. Broad and ordered: walk the sort index and probe each row, stopping at
      // the page size, instead of collecting and sorting tens of thousands of matches.
      index === 0 && (!ordered || counted[0]!.count <= broadMatchCount)
        ? sql`c.id IN (SELECT m.conversation_id FROM dk_conversation_metadata m WHERE ${matches(entry, 'm')})`
        : probe(entry),
    );
    return sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
  },
  async createMetadataIndex(executor, key) {
    await sql`CREATE INDEX IF NOT EXISTS ${sql.id(metadataIndexName(key))}
      ON dk_conversations (json_extract(metadata, ${keyPath(key)}), updated_at, id)`.execute(executor);
  },
  indexedMetadataCondition(key, value) {
    // json_extract gives 1 for true and NULL for null or a missing key: json_type keeps types apart.
    const extracted = sql`json_extract(c.metadata, ${keyPath(key)})`;
    const type = sql`json_type(c.metadata, ${keyPath(key)})`;
    if (value === null) return sql<SqlBool>`${extracted} IS NULL AND ${type} = 'null'`;
    if (typeof value === 'boolean') return sql<SqlBool>`${extracted} = ${value ? 1 : 0} AND ${type} = ${kindOf(value)}`;
    if (typeof value === 'number') return sql<SqlBool>`${extracted} = ${value} AND ${type} IN ('integer', 'real')`;
    // json_extract gives a JSON string's text, and minified JSON text for an object or array:
    // only a value that could be such text needs the type check (which parses each row again).
    if (value.startsWith('{') || value.startsWith('['))
      return sql<SqlBool>`${extracted} = ${value} AND ${type} = 'text'`;
    return sql<SqlBool>`${extracted} = ${value}`;
  },
  async textCondition(tokens, { executor }) {
    // Node text is indexed in batches (see deferNodeTextIndex): index what is pending first.
    await indexPendingNodeText(executor);
    // Tokens are letters and digits only; quoting makes each a plain FTS5 term (implicit AND).
    const query = tokens.map((token) => `"${token}"`).join(' ');
    return sql<SqlBool>`c.id IN (SELECT n.conversation_id FROM dk_nodes n
      WHERE n.row_id IN (SELECT rowid FROM dk_nodes_fts WHERE dk_nodes_fts MATCH ${query}))`;
  },
};
