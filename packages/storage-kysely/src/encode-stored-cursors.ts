import { encodeStoredNodeId, isNodeId } from '@dk/storage-utils';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { StoreExecutor } from './kysely-store-dialect.js';

/** Conversations read per batch. */
const batchSize = 500;

/**
 * Rewrites the cursors of `conversations` (a `dk_conversations` table) written as plain dot
 * paths in their stored form (`encodeStoredNodeId`), in batches in `id` order, for the
 * migrations that introduced the encoding (SQLite 7, PostgreSQL 8). Reads decode plain paths
 * anyway; this makes stored data compact after the upgrade. Only paths with a run of two or
 * more zero segments change, and each contains `0.0`, so other rows are skipped by the scan;
 * `version` and `updated_at` stay (the public cursor is the same).
 */
export async function encodeStoredCursors(executor: StoreExecutor, conversations: RawBuilder<unknown>): Promise<void> {
  for (let after: string | undefined; ;) {
    const { rows } = await sql<{ id: string; cursor: string }>`SELECT c.id AS id, c.current_node_id AS cursor
      FROM ${conversations} c
      WHERE c.current_node_id LIKE '%0.0%' ${after === undefined ? sql`` : sql`AND c.id > ${after}`}
      ORDER BY c.id LIMIT ${batchSize}`.execute(executor);
    // A value that is not a plain dot path (already encoded, or foreign) is left as it is.
    const changed = rows.flatMap(({ id, cursor }) => {
      const stored = isNodeId(cursor) ? encodeStoredNodeId(cursor) : cursor;
      return stored === cursor ? [] : [{ id, stored }];
    });
    if (changed.length > 0) {
      const values = sql.join(changed.map((row) => sql`(${row.id}, ${row.stored})`));
      await sql`UPDATE ${conversations} SET current_node_id = v.column2
        FROM (VALUES ${values}) AS v WHERE ${conversations}.id = v.column1`.execute(executor);
    }
    if (rows.length < batchSize) return;
    after = rows.at(-1)!.id;
  }
}
