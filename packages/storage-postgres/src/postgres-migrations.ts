import type { StoreMigration, StoreTable } from '@dk/storage-kysely';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/**
 * The PostgreSQL schema, one numbered migration per version, for tables in `schema`.
 * Never edit a released migration; add a new one.
 */
export function postgresMigrations(table: (name: StoreTable) => RawBuilder<unknown>): readonly StoreMigration[] {
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
  ];
}
