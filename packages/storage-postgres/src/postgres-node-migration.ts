import type { StoreExecutor } from '@dk/storage-kysely';
import { sql } from 'kysely';

/**
 * Migration 4: rebuilds `dk_nodes` with keys that lead with `conversation_id` and stay the same
 * size at any depth. Version 3 had a global identity key (`seq`), a unique `(parent_seq,
 * position)` and the node id (or its hash past 200 characters) as text; version 4 has
 *
 * - `seq`: the node's number within its conversation (0 = root, in append order, allocated from
 *   the conversation's `node_count` under its row lock), primary key `(conversation_id, seq)`;
 * - `parent_seq`, `position`: the tree, unique `(conversation_id, parent_seq, position)`;
 * - `node_key`: 16 bytes of SHA-256 of the dot-path id, unique `(conversation_id, node_key)`,
 *   so a dot-path id given by a caller is found with one index probe at any depth.
 *
 * Dot-path ids are not stored: reads compute them from `(parent_seq, position)`. Rows are
 * copied with their ids recomputed from the old tree; `node_count` is recounted (it allocates
 * `seq`). With `nodePartitions`, the table is hash-partitioned by `conversation_id`.
 */
export async function perConversationNodes(
  executor: StoreExecutor,
  schema: string,
  nodePartitions: number | undefined,
): Promise<void> {
  const table = (name: string) => sql.table(`${schema}.${name}`);
  await sql`ALTER TABLE ${table('dk_nodes')} RENAME TO dk_nodes_v3`.execute(executor);
  await sql`CREATE TABLE ${table('dk_nodes')} (
    conversation_id text COLLATE "C" NOT NULL,
    seq integer NOT NULL,
    parent_seq integer,
    position integer NOT NULL,
    node_key bytea NOT NULL CHECK (length(node_key) = 16),
    role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content text NOT NULL,
    name text,
    tool_call_id text,
    tool_calls jsonb,
    metadata jsonb NOT NULL,
    prompt_name text,
    branch_name text,
    created_at bigint NOT NULL,
    -- A tsvector is limited to 1 MB of lexemes; indexing the first 200,000 characters stays below it.
    content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(content, 200000))) STORED)
    ${nodePartitions === undefined ? sql`` : sql`PARTITION BY HASH (conversation_id)`}`.execute(executor);
  for (let remainder = 0; remainder < (nodePartitions ?? 0); remainder += 1) {
    await sql`CREATE TABLE ${table(`dk_nodes_p${remainder}`)} PARTITION OF ${table('dk_nodes')}
      FOR VALUES WITH (MODULUS ${sql.lit(nodePartitions!)}, REMAINDER ${sql.lit(remainder)})`.execute(executor);
  }
  // Ids from the old tree (parents before children); seq numbers by the old global order.
  await sql`WITH RECURSIVE tree (seq, path) AS (
      SELECT seq, ''::text FROM ${table('dk_nodes_v3')} WHERE parent_seq IS NULL
      UNION ALL
      SELECT n.seq, CASE WHEN t.path = '' THEN n.position::text ELSE t.path || '.' || n.position END
      FROM ${table('dk_nodes_v3')} n JOIN tree t ON n.parent_seq = t.seq),
    numbered AS (
      SELECT o.seq, t.path, (row_number() OVER (PARTITION BY o.conversation_id ORDER BY o.seq) - 1)::integer AS new_seq
      FROM ${table('dk_nodes_v3')} o JOIN tree t ON t.seq = o.seq)
    INSERT INTO ${table('dk_nodes')} (conversation_id, seq, parent_seq, position, node_key, role, content, name,
      tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
    SELECT o.conversation_id, m.new_seq, p.new_seq, o.position,
      substring(sha256(convert_to(m.path, 'UTF8')) FROM 1 FOR 16), o.role, o.content, o.name,
      o.tool_call_id, o.tool_calls, o.metadata, o.prompt_name, o.branch_name, o.created_at
    FROM ${table('dk_nodes_v3')} o JOIN numbered m ON m.seq = o.seq LEFT JOIN numbered p ON p.seq = o.parent_seq`.execute(
    executor,
  );
  await sql`DROP TABLE ${table('dk_nodes_v3')}`.execute(executor);
  await sql`UPDATE ${table('dk_conversations')} c SET node_count = coalesce(
      (SELECT count(*) FROM ${table('dk_nodes')} n WHERE n.conversation_id = c.id), 0)
    WHERE c.node_count <> coalesce((SELECT count(*) FROM ${table('dk_nodes')} n WHERE n.conversation_id = c.id), 0)`.execute(
    executor,
  );
  // Indexes after the copy (faster than maintaining them row by row); each serves a query:
  // load and getPath (seq), lookups by id (node_key), children and child allocation.
  await sql`ALTER TABLE ${table('dk_nodes')} ADD CONSTRAINT dk_nodes_pkey PRIMARY KEY (conversation_id, seq),
    ADD CONSTRAINT dk_nodes_key UNIQUE (conversation_id, node_key),
    ADD CONSTRAINT dk_nodes_children UNIQUE (conversation_id, parent_seq, position),
    ADD CONSTRAINT dk_nodes_conversation FOREIGN KEY (conversation_id)
      REFERENCES ${table('dk_conversations')} (id) ON DELETE CASCADE`.execute(executor);
  await sql`CREATE INDEX dk_nodes_content_tsv ON ${table('dk_nodes')} USING gin (content_tsv)`.execute(executor);
}
