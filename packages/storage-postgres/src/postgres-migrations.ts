import { encodeStoredCursors } from '@dk/storage-kysely';
import type { StoreMigration, StoreTable } from '@dk/storage-kysely';
import { sql } from 'kysely';
import { createAppendFunction, previousAppendSignature } from './postgres-append-function.js';
import { metadataTable } from './postgres-metadata-migration.js';
import { perConversationNodes } from './postgres-node-migration.js';

/** Options of {@link postgresMigrations}. */
export interface PostgresMigrationOptions {
  /**
   * Hash-partition `dk_nodes` by `conversation_id` into this many partitions when migration 4
   * builds it (the layout Citus distributes by). Default: one plain table.
   */
  readonly nodePartitions?: number | undefined;
}

/**
 * The PostgreSQL schema of everything dk stores in a database (conversations, search
 * chunks), for tables in `schema`, one numbered migration per version, run by
 * `migrateSchema`. Never edit a released migration; add a new one.
 */
export function postgresMigrations(
  schema: string,
  { nodePartitions }: PostgresMigrationOptions = {},
): readonly StoreMigration[] {
  const table = (name: StoreTable | 'dk_search_migrations' | 'dk_search_chunks_tsv') => sql.table(`${schema}.${name}`);
  return [
    {
      version: 1,
      name: 'conversations and nodes',
      up: async (executor) => {
        await sql`CREATE TABLE ${table('dk_conversations')} (
          id text COLLATE "C" PRIMARY KEY,
          metadata jsonb NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
          current_node_id text,
          version integer NOT NULL,
          node_count integer NOT NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL)`.execute(executor);
        await sql`CREATE INDEX dk_conversations_created_at ON ${table('dk_conversations')} (created_at, id)`.execute(
          executor,
        );
        await sql`CREATE INDEX dk_conversations_updated_at ON ${table('dk_conversations')} (updated_at, id)`.execute(
          executor,
        );
        await sql`CREATE TABLE ${table('dk_nodes')} (
          seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          conversation_id text COLLATE "C" NOT NULL REFERENCES ${table('dk_conversations')} (id) ON DELETE CASCADE,
          parent_seq bigint,
          position integer NOT NULL,
          node_key text COLLATE "C" NOT NULL,
          role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
          content text NOT NULL,
          name text,
          tool_call_id text,
          tool_calls jsonb,
          metadata jsonb NOT NULL,
          prompt_name text,
          branch_name text,
          created_at bigint NOT NULL)`.execute(executor);
        // Node lookups by id, child allocation (max position under a parent), one root per conversation.
        await sql`CREATE UNIQUE INDEX dk_nodes_key ON ${table('dk_nodes')} (conversation_id, node_key)`.execute(
          executor,
        );
        await sql`CREATE UNIQUE INDEX dk_nodes_children ON ${table('dk_nodes')} (parent_seq, position)`.execute(
          executor,
        );
        await sql`CREATE UNIQUE INDEX dk_nodes_root ON ${table('dk_nodes')} (conversation_id) WHERE parent_seq IS NULL`.execute(
          executor,
        );
        await sql`CREATE INDEX dk_nodes_conversation ON ${table('dk_nodes')} (conversation_id, seq)`.execute(executor);
      },
    },
    {
      version: 2,
      name: 'full-text search and metadata index',
      up: async (executor) => {
        await sql`CREATE INDEX dk_conversations_metadata ON ${table('dk_conversations')} USING gin (metadata jsonb_path_ops)`.execute(
          executor,
        );
        // A tsvector is limited to 1 MB of lexemes; indexing the first 200,000 characters stays below it.
        await sql`ALTER TABLE ${table('dk_nodes')} ADD COLUMN content_tsv tsvector
          GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(content, 200000))) STORED`.execute(executor);
        await sql`CREATE INDEX dk_nodes_content_tsv ON ${table('dk_nodes')} USING gin (content_tsv)`.execute(executor);
      },
    },
    {
      version: 3,
      name: 'search chunks',
      up: async (executor) => {
        // Before this version the search adapter created these tables itself (its history in
        // dk_search_migrations); every statement here keeps such tables and their rows, and
        // fills in what an older one lacked.
        await sql`CREATE TABLE IF NOT EXISTS ${table('dk_search_chunks')} (
          seq bigserial PRIMARY KEY,
          collection text NOT NULL,
          chunk_id text NOT NULL,
          document_id text NOT NULL,
          chunk_index integer NOT NULL,
          content text NOT NULL,
          metadata jsonb NOT NULL,
          tsv tsvector NOT NULL,
          token_count integer NOT NULL,
          UNIQUE (collection, chunk_id))`.execute(executor);
        await sql`CREATE INDEX IF NOT EXISTS dk_search_chunks_document
          ON ${table('dk_search_chunks')} (collection, document_id)`.execute(executor);
        // No pending list: queries read the GIN index alone, and the planner costs it as such.
        await sql`CREATE INDEX IF NOT EXISTS dk_search_chunks_tsv
          ON ${table('dk_search_chunks')} USING gin (tsv) WITH (fastupdate = off)`.execute(executor);
        await sql`ALTER INDEX ${table('dk_search_chunks_tsv')} SET (fastupdate = off)`.execute(executor);
        // Collection size and total length, kept by every write, so a query reads BM25's
        // corpus statistics from one row instead of aggregating the collection.
        await sql`CREATE TABLE IF NOT EXISTS ${table('dk_search_stats')} (
          collection text PRIMARY KEY,
          chunk_count bigint NOT NULL,
          token_total bigint NOT NULL)`.execute(executor);
        await sql`INSERT INTO ${table('dk_search_stats')} (collection, chunk_count, token_total)
          SELECT collection, count(*), coalesce(sum(token_count), 0) FROM ${table('dk_search_chunks')} GROUP BY collection
          ON CONFLICT (collection) DO NOTHING`.execute(executor);
        await sql`DROP TABLE IF EXISTS ${table('dk_search_migrations')}`.execute(executor);
      },
    },
    {
      version: 4,
      name: 'per-conversation node keys',
      up: (executor) => perConversationNodes(executor, schema, nodePartitions),
    },
    {
      version: 5,
      name: 'append function',
      up: (executor) => createAppendFunction(executor, schema),
    },
    {
      version: 6,
      name: 'metadata table',
      up: (executor) => metadataTable(executor, schema, nodePartitions),
    },
    {
      // Replaced the function of migration 5, whose parent lookup could be planned as a scan of
      // the whole conversation. Migrations 5, 7 and 8 now create the function of migration 9
      // (its signature, compact cursors, the parent's row address), so a schema migrated by this
      // package only to version 5, 7 or 8 already has it; migration 8 drops the version-7
      // signature of older schemas.
      version: 7,
      name: 'append function finds the parent by key',
      up: (executor) => createAppendFunction(executor, schema),
    },
    {
      // Cursors are stored compactly from this version on (`encodeStoredNodeId`: a chat's cursor
      // at depth 10,000 is `0*10000`, not a TOASTed 20,000-character path rewritten, read and
      // returned by every turn). The append function takes the cursor's stored forms (a new
      // signature: the old function is dropped, so a server still on the old code fails its
      // appends loudly instead of working on cursors it would misread), and existing cursors
      // are re-encoded. The version number also stops an older package, which would read `0*N`
      // as a node id, from migrating ("newer than the N this package knows").
      version: 8,
      name: 'compact cursors',
      up: async (executor) => {
        await sql`DROP FUNCTION IF EXISTS ${sql.table(`${schema}.dk_append_node`)} (${sql.raw(previousAppendSignature)})`.execute(
          executor,
        );
        await createAppendFunction(executor, schema);
        await encodeStoredCursors(executor, table('dk_conversations'));
      },
    },
    {
      // The append function takes the parent's row address (`p_parent_row`) and returns the new
      // node's, so a chat's next turn finds its parent by a TID scan instead of a lookup planned
      // per call. A new signature beside the old one: migration 8's function stays, so servers
      // already running the previous package keep appending through it during a rolling
      // upgrade (one started afterwards refuses the newer schema, as for every migration).
      version: 9,
      name: 'append finds the parent by row address',
      up: (executor) => createAppendFunction(executor, schema),
    },
  ];
}
