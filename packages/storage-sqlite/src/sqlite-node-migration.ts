import { nodeKey } from '@dk/storage-kysely';
import type { StoreExecutor } from '@dk/storage-kysely';
import { sql } from 'kysely';

/** Rows whose keys are computed per batch while copying. */
const batchSize = 500;

/**
 * Migration 4: rebuilds `dk_nodes` with per-conversation keys of a fixed size (see the
 * PostgreSQL migration of the same version): `seq` numbers a node within its conversation
 * (unique `(conversation_id, seq)`), `node_key` is 16 bytes of SHA-256 of the dot-path id
 * (unique `(conversation_id, node_key)`), children are unique `(conversation_id, parent_seq,
 * position)`. `row_id` is the rowid FTS5 indexes content by (SQLite has no partitioning, and
 * FTS5 needs an integer rowid that `VACUUM` keeps). The keys are SHA-256, which SQLite lacks,
 * so they are computed here in batches; `node_count` is recounted (it allocates `seq`).
 */
export async function perConversationNodes(executor: StoreExecutor): Promise<void> {
  await sql`DROP TRIGGER dk_nodes_fts_insert`.execute(executor);
  await sql`DROP TRIGGER dk_nodes_fts_delete`.execute(executor);
  await sql`DROP TABLE dk_nodes_fts`.execute(executor);
  await sql`CREATE TEMP TABLE dk_node_ids (
    old_seq INTEGER PRIMARY KEY, new_seq INTEGER NOT NULL, path TEXT NOT NULL, node_key BLOB)`.execute(executor);
  await sql`INSERT INTO temp.dk_node_ids (old_seq, new_seq, path)
    WITH RECURSIVE tree (seq, path) AS (
      SELECT seq, '' FROM dk_nodes WHERE parent_seq IS NULL
      UNION ALL
      SELECT n.seq, CASE WHEN t.path = '' THEN CAST(n.position AS TEXT) ELSE t.path || '.' || n.position END
      FROM dk_nodes n JOIN tree t ON n.parent_seq = t.seq)
    SELECT o.seq, row_number() OVER (PARTITION BY o.conversation_id ORDER BY o.seq) - 1, t.path
    FROM dk_nodes o JOIN tree t ON t.seq = o.seq`.execute(executor);
  for (let after = -1; ;) {
    const { rows } = await sql<{ old_seq: number; path: string }>`SELECT old_seq, path FROM temp.dk_node_ids
      WHERE old_seq > ${after} ORDER BY old_seq LIMIT ${batchSize}`.execute(executor);
    for (const row of rows) {
      await sql`UPDATE temp.dk_node_ids SET node_key = ${nodeKey(row.path)} WHERE old_seq = ${row.old_seq}`.execute(
        executor,
      );
    }
    if (rows.length < batchSize) break;
    after = rows.at(-1)!.old_seq;
  }
  await sql`CREATE TABLE dk_nodes_v4 (
    row_id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES dk_conversations (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    parent_seq INTEGER,
    position INTEGER NOT NULL,
    node_key BLOB NOT NULL CHECK (length(node_key) = 16),
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content TEXT NOT NULL,
    name TEXT,
    tool_call_id TEXT,
    tool_calls TEXT CHECK (tool_calls IS NULL OR json_valid(tool_calls)),
    metadata TEXT NOT NULL CHECK (json_valid(metadata)),
    prompt_name TEXT,
    branch_name TEXT,
    created_at INTEGER NOT NULL)`.execute(executor);
  await sql`INSERT INTO dk_nodes_v4 (row_id, conversation_id, seq, parent_seq, position, node_key, role, content, name,
      tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
    SELECT o.seq, o.conversation_id, m.new_seq, p.new_seq, o.position, m.node_key, o.role, o.content, o.name,
      o.tool_call_id, o.tool_calls, o.metadata, o.prompt_name, o.branch_name, o.created_at
    FROM dk_nodes o JOIN temp.dk_node_ids m ON m.old_seq = o.seq LEFT JOIN temp.dk_node_ids p ON p.old_seq = o.parent_seq
    ORDER BY o.seq`.execute(executor);
  await sql`DROP TABLE temp.dk_node_ids`.execute(executor);
  await sql`DROP TABLE dk_nodes`.execute(executor);
  await sql`ALTER TABLE dk_nodes_v4 RENAME TO dk_nodes`.execute(executor);
  await sql`UPDATE dk_conversations SET node_count = (SELECT count(*) FROM dk_nodes n WHERE n.conversation_id = dk_conversations.id)
    WHERE node_count <> (SELECT count(*) FROM dk_nodes n WHERE n.conversation_id = dk_conversations.id)`.execute(
    executor,
  );
  // Each index serves a query: load and getPath (seq), lookups by id (node_key), children and
  // child allocation (parent_seq, position).
  await sql`CREATE UNIQUE INDEX dk_nodes_seq ON dk_nodes (conversation_id, seq)`.execute(executor);
  await sql`CREATE UNIQUE INDEX dk_nodes_key ON dk_nodes (conversation_id, node_key)`.execute(executor);
  await sql`CREATE UNIQUE INDEX dk_nodes_children ON dk_nodes (conversation_id, parent_seq, position)`.execute(
    executor,
  );
  await sql`CREATE VIRTUAL TABLE dk_nodes_fts USING fts5(
    content, content = 'dk_nodes', content_rowid = 'row_id', tokenize = 'unicode61 remove_diacritics 0')`.execute(
    executor,
  );
  await sql`CREATE TRIGGER dk_nodes_fts_insert AFTER INSERT ON dk_nodes BEGIN
    INSERT INTO dk_nodes_fts (rowid, content) VALUES (new.row_id, new.content); END`.execute(executor);
  await sql`CREATE TRIGGER dk_nodes_fts_delete AFTER DELETE ON dk_nodes BEGIN
    INSERT INTO dk_nodes_fts (dk_nodes_fts, rowid, content) VALUES ('delete', old.row_id, old.content); END`.execute(
    executor,
  );
  await sql`INSERT INTO dk_nodes_fts (dk_nodes_fts) VALUES ('rebuild')`.execute(executor);
}
