import type Database from 'better-sqlite3';

// The search adapter's own numbered migrations, recorded in `dk_search_migrations` so they
// never touch the conversation store's schema version (`PRAGMA user_version`).
const migrations: readonly string[] = [
  `CREATE TABLE dk_search_chunks (
     rowid INTEGER PRIMARY KEY,
     collection TEXT NOT NULL,
     chunk_id TEXT NOT NULL,
     document_id TEXT NOT NULL,
     chunk_index INTEGER NOT NULL,
     content TEXT NOT NULL,
     metadata TEXT NOT NULL,
     token_count INTEGER NOT NULL,
     UNIQUE (collection, chunk_id)
   );
   CREATE INDEX dk_search_chunks_document ON dk_search_chunks (collection, document_id);
   CREATE VIRTUAL TABLE dk_search_fts USING fts5 (
     content, content = 'dk_search_chunks', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 0'
   );
   CREATE VIRTUAL TABLE dk_search_vocab USING fts5vocab (dk_search_fts, instance);`,
  // Collection size and total length, kept by every write, so a query reads BM25's corpus
  // statistics from one row instead of aggregating the collection.
  `CREATE TABLE dk_search_stats (
     collection TEXT PRIMARY KEY,
     chunk_count INTEGER NOT NULL,
     token_total INTEGER NOT NULL
   );
   INSERT INTO dk_search_stats (collection, chunk_count, token_total)
     SELECT collection, count(*), coalesce(sum(token_count), 0) FROM dk_search_chunks GROUP BY collection;`,
];

/** Applies pending search migrations in one immediate transaction; returns the versions applied. */
export function migrateSqliteSearch(database: Database.Database): number[] {
  const run = database.transaction(() => {
    database.exec(
      'CREATE TABLE IF NOT EXISTS dk_search_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const row = database.prepare('SELECT max(version) AS version FROM dk_search_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    const applied: number[] = [];
    for (let version = current + 1; version <= migrations.length; version++) {
      database.exec(migrations[version - 1]!);
      database
        .prepare('INSERT INTO dk_search_migrations (version, applied_at) VALUES (?, ?)')
        .run(version, new Date().toISOString());
      applied.push(version);
    }
    return applied;
  });
  return run.immediate();
}
