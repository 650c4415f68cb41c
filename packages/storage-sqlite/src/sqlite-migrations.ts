import { encodeStoredCursors } from '@dk/storage-kysely';
import type { StoreMigration } from '@dk/storage-kysely';
import { sql } from 'kysely';
import { perConversationNodes } from './sqlite-node-migration.js';
import { deferNodeTextIndex } from './sqlite-node-text-index.js';

const metadataRows = sql.raw(`j.key,
  CASE j.type WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE j.type END,
  CASE WHEN j.type IN ('integer', 'real', 'text') THEN j.value END`);

/**
 * The SQLite schema of everything dk stores in a database (conversations, search chunks,
 * embedding cache), one numbered migration per version, run by `migrateSchema`. Never edit
 * a released migration; add a new one.
 */
export const sqliteMigrations: readonly StoreMigration[] = [
  {
    version: 1,
    name: 'conversations and nodes',
    up: async (executor) => {
      await sql`CREATE TABLE dk_conversations (
        id TEXT PRIMARY KEY NOT NULL,
        metadata TEXT NOT NULL CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
        current_node_id TEXT,
        version INTEGER NOT NULL,
        node_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL)`.execute(executor);
      await sql`CREATE INDEX dk_conversations_created_at ON dk_conversations (created_at, id)`.execute(executor);
      await sql`CREATE INDEX dk_conversations_updated_at ON dk_conversations (updated_at, id)`.execute(executor);
      await sql`CREATE TABLE dk_nodes (
        seq INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES dk_conversations (id) ON DELETE CASCADE,
        parent_seq INTEGER,
        position INTEGER NOT NULL,
        node_key TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content TEXT NOT NULL,
        name TEXT,
        tool_call_id TEXT,
        tool_calls TEXT CHECK (tool_calls IS NULL OR json_valid(tool_calls)),
        metadata TEXT NOT NULL CHECK (json_valid(metadata)),
        prompt_name TEXT,
        branch_name TEXT,
        created_at INTEGER NOT NULL)`.execute(executor);
      // Node lookups by id, child allocation (max position under a parent), one root per conversation.
      await sql`CREATE UNIQUE INDEX dk_nodes_key ON dk_nodes (conversation_id, node_key)`.execute(executor);
      await sql`CREATE UNIQUE INDEX dk_nodes_children ON dk_nodes (parent_seq, position)`.execute(executor);
      await sql`CREATE UNIQUE INDEX dk_nodes_root ON dk_nodes (conversation_id) WHERE parent_seq IS NULL`.execute(
        executor,
      );
      await sql`CREATE INDEX dk_nodes_conversation ON dk_nodes (conversation_id, seq)`.execute(executor);
    },
  },
  {
    version: 2,
    name: 'full-text search and metadata index',
    up: async (executor) => {
      // FTS5 over node content, kept in step by triggers (external content table).
      await sql`CREATE VIRTUAL TABLE dk_nodes_fts USING fts5(
        content, content = 'dk_nodes', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 0')`.execute(
        executor,
      );
      await sql`CREATE TRIGGER dk_nodes_fts_insert AFTER INSERT ON dk_nodes BEGIN
        INSERT INTO dk_nodes_fts (rowid, content) VALUES (new.seq, new.content); END`.execute(executor);
      await sql`CREATE TRIGGER dk_nodes_fts_delete AFTER DELETE ON dk_nodes BEGIN
        INSERT INTO dk_nodes_fts (dk_nodes_fts, rowid, content) VALUES ('delete', old.seq, old.content); END`.execute(
        executor,
      );
      await sql`INSERT INTO dk_nodes_fts (dk_nodes_fts) VALUES ('rebuild')`.execute(executor);
      // Top-level metadata scalars, exploded with json_each so equality filters use an index.
      await sql`CREATE TABLE dk_conversation_metadata (
        conversation_id TEXT NOT NULL REFERENCES dk_conversations (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        value,
        PRIMARY KEY (conversation_id, key)) WITHOUT ROWID`.execute(executor);
      await sql`CREATE INDEX dk_conversation_metadata_value ON dk_conversation_metadata (key, kind, value)`.execute(
        executor,
      );
      await sql`CREATE TRIGGER dk_conversations_metadata_insert AFTER INSERT ON dk_conversations BEGIN
        INSERT INTO dk_conversation_metadata (conversation_id, key, kind, value)
        SELECT new.id, ${metadataRows} FROM json_each(new.metadata) j WHERE j.type NOT IN ('object', 'array'); END`.execute(
        executor,
      );
      await sql`CREATE TRIGGER dk_conversations_metadata_update AFTER UPDATE OF metadata ON dk_conversations BEGIN
        DELETE FROM dk_conversation_metadata WHERE conversation_id = new.id;
        INSERT INTO dk_conversation_metadata (conversation_id, key, kind, value)
        SELECT new.id, ${metadataRows} FROM json_each(new.metadata) j WHERE j.type NOT IN ('object', 'array'); END`.execute(
        executor,
      );
      await sql`INSERT INTO dk_conversation_metadata (conversation_id, key, kind, value)
        SELECT c.id, ${metadataRows} FROM dk_conversations c, json_each(c.metadata) j
        WHERE j.type NOT IN ('object', 'array')`.execute(executor);
    },
  },
  {
    version: 3,
    name: 'search chunks and embedding cache',
    up: async (executor) => {
      // Before this version the search adapter and the embedding cache created their tables
      // themselves (the adapter's history in dk_search_migrations); every statement here
      // keeps such tables and their rows, and fills in what an older one lacked.
      const existing = async (name: string) =>
        (await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE name = ${name}`.execute(executor))
          .rows[0]!.n > 0;
      const hadStatistics = await existing('dk_search_stats');
      await sql`CREATE TABLE IF NOT EXISTS dk_search_chunks (
        rowid INTEGER PRIMARY KEY,
        collection TEXT NOT NULL,
        chunk_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        chunk_index INTEGER NOT NULL,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL,
        token_count INTEGER NOT NULL,
        UNIQUE (collection, chunk_id))`.execute(executor);
      await sql`CREATE INDEX IF NOT EXISTS dk_search_chunks_document ON dk_search_chunks (collection, document_id)`.execute(
        executor,
      );
      // FTS5 over chunk content (external content, written by the adapter) and its term statistics.
      await sql`CREATE VIRTUAL TABLE IF NOT EXISTS dk_search_fts USING fts5 (
        content, content = 'dk_search_chunks', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 0')`.execute(
        executor,
      );
      await sql`CREATE VIRTUAL TABLE IF NOT EXISTS dk_search_vocab USING fts5vocab (dk_search_fts, instance)`.execute(
        executor,
      );
      // Collection size and total length, kept by every write, so a query reads BM25's corpus
      // statistics from one row instead of aggregating the collection.
      await sql`CREATE TABLE IF NOT EXISTS dk_search_stats (
        collection TEXT PRIMARY KEY,
        chunk_count INTEGER NOT NULL,
        token_total INTEGER NOT NULL)`.execute(executor);
      if (!hadStatistics) {
        await sql`INSERT INTO dk_search_stats (collection, chunk_count, token_total)
          SELECT collection, count(*), coalesce(sum(token_count), 0) FROM dk_search_chunks GROUP BY collection`.execute(
          executor,
        );
      }
      await sql`DROP TABLE IF EXISTS dk_search_migrations`.execute(executor);
      // Embedding vectors by model and text hash, little-endian float64.
      await sql`CREATE TABLE IF NOT EXISTS dk_embedding_cache (
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID`.execute(executor);
    },
  },
  {
    version: 4,
    name: 'per-conversation node keys',
    up: perConversationNodes,
  },
  {
    version: 5,
    name: 'lighter node text index',
    up: async (executor) => {
      // Conversation search asks only whether one node holds every word, never for positions
      // or scores: without position lists (detail = none) and per-row sizes (columnsize = 0)
      // each append writes much less to the index.
      await sql`DROP TRIGGER dk_nodes_fts_insert`.execute(executor);
      await sql`DROP TRIGGER dk_nodes_fts_delete`.execute(executor);
      await sql`DROP TABLE dk_nodes_fts`.execute(executor);
      await sql`CREATE VIRTUAL TABLE dk_nodes_fts USING fts5(content, content = 'dk_nodes', content_rowid = 'row_id',
        tokenize = 'unicode61 remove_diacritics 0', detail = none, columnsize = 0)`.execute(executor);
      await sql`CREATE TRIGGER dk_nodes_fts_insert AFTER INSERT ON dk_nodes BEGIN
        INSERT INTO dk_nodes_fts (rowid, content) VALUES (new.row_id, new.content); END`.execute(executor);
      await sql`CREATE TRIGGER dk_nodes_fts_delete AFTER DELETE ON dk_nodes BEGIN
        INSERT INTO dk_nodes_fts (dk_nodes_fts, rowid, content) VALUES ('delete', old.row_id, old.content); END`.execute(
        executor,
      );
      await sql`INSERT INTO dk_nodes_fts (dk_nodes_fts) VALUES ('rebuild')`.execute(executor);
    },
  },
  {
    version: 6,
    name: 'node text indexed in batches',
    up: deferNodeTextIndex,
  },
  {
    // Cursors are stored compactly from this version on (`encodeStoredNodeId`: a chat's cursor
    // at depth 10,000 is `0*10000`, not a 20,000-character path on overflow pages rewritten by
    // every turn). The version number also stops an older package, which would read `0*N` as a
    // node id, from opening the database ("newer than the N this package knows").
    version: 7,
    name: 'compact cursors',
    up: (executor) => encodeStoredCursors(executor, sql.table('dk_conversations')),
  },
];
