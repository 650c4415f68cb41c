import type { StoreExecutor } from '@dk/storage-kysely';
import { sql } from 'kysely';

/** Only pending rows exist above the watermark, so raising it indexes exactly those. */
const whenPending = 'WHERE indexed_row_id < (SELECT coalesce(max(row_id), 0) FROM dk_nodes)';

/**
 * Indexes the text of at most `?` + 1 pending node rows (one bound parameter, an OFFSET: the
 * batch size minus one); a no-op when none is pending. One statement, so atomic by itself.
 */
export const indexNodeTextBatchSql = `UPDATE dk_nodes_fts_state SET indexed_row_id = coalesce(
    (SELECT row_id FROM dk_nodes WHERE row_id > dk_nodes_fts_state.indexed_row_id ORDER BY row_id LIMIT 1 OFFSET ?),
    (SELECT max(row_id) FROM dk_nodes)) ${whenPending}`;

/** Indexes the text of every pending node row. */
const indexAllNodeTextSql = `UPDATE dk_nodes_fts_state SET indexed_row_id = (SELECT max(row_id) FROM dk_nodes) ${whenPending}`;

/** True (1) when some node row's text is not in `dk_nodes_fts` yet. */
const pendingNodeTextSql = `SELECT indexed_row_id < (SELECT coalesce(max(row_id), 0) FROM dk_nodes) AS pending
  FROM dk_nodes_fts_state`;

/**
 * Migration 6: node text is indexed in batches instead of by a trigger in every append. An
 * append to `dk_nodes_fts` (an FTS5 external-content table) writes a new index segment per
 * commit and now and then merges segments inside the committing call; appends now write only
 * the node row. `dk_nodes_fts_state.indexed_row_id` (in the database, so every connection and
 * process sees it) is the row id up to which the index is complete: raising it (one
 * `UPDATE`, see {@link indexPendingNodeText}) indexes the rows in between, in one
 * transaction and one segment. It is raised before every query that reads `dk_nodes_fts`, so
 * searches see every committed node, and in idle moments by the store.
 *
 * Invariants: the index holds exactly the node rows with `row_id <= indexed_row_id`, and
 * `indexed_row_id` never exceeds the largest `row_id` (so a new row, which SQLite numbers
 * after the largest, is always above it). A deleted row leaves the index only when it is in
 * it, and a delete lowers the watermark to the largest remaining row id when needed.
 */
export async function deferNodeTextIndex(executor: StoreExecutor): Promise<void> {
  await sql`DROP TRIGGER dk_nodes_fts_insert`.execute(executor);
  await sql`DROP TRIGGER dk_nodes_fts_delete`.execute(executor);
  await sql`CREATE TABLE dk_nodes_fts_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_row_id INTEGER NOT NULL)`.execute(executor);
  // Every row is indexed at this point (the insert trigger kept the index complete).
  await sql`INSERT INTO dk_nodes_fts_state (id, indexed_row_id)
    VALUES (1, (SELECT coalesce(max(row_id), 0) FROM dk_nodes))`.execute(executor);
  await sql`CREATE TRIGGER dk_nodes_fts_index AFTER UPDATE OF indexed_row_id ON dk_nodes_fts_state
    WHEN new.indexed_row_id > old.indexed_row_id BEGIN
    INSERT INTO dk_nodes_fts (rowid, content) SELECT row_id, content FROM dk_nodes
      WHERE row_id > old.indexed_row_id AND row_id <= new.indexed_row_id; END`.execute(executor);
  await sql`CREATE TRIGGER dk_nodes_fts_delete AFTER DELETE ON dk_nodes BEGIN
    INSERT INTO dk_nodes_fts (dk_nodes_fts, rowid, content)
      SELECT 'delete', old.row_id, old.content FROM dk_nodes_fts_state WHERE old.row_id <= indexed_row_id;
    UPDATE dk_nodes_fts_state SET indexed_row_id = (SELECT coalesce(max(row_id), 0) FROM dk_nodes)
      WHERE indexed_row_id > (SELECT coalesce(max(row_id), 0) FROM dk_nodes); END`.execute(executor);
}

/**
 * Brings `dk_nodes_fts` up to date with every committed node row (a read when nothing is
 * pending, else one write statement). Runs on `executor`, so inside a transaction it is part
 * of it.
 */
export async function indexPendingNodeText(executor: StoreExecutor): Promise<void> {
  const { rows } = await sql<{ pending: number }>`${sql.raw(pendingNodeTextSql)}`.execute(executor);
  if (rows[0]?.pending === 1) await sql`${sql.raw(indexAllNodeTextSql)}`.execute(executor);
}
