import type { ConversationNode } from '@dk/spec';
import { sql } from 'kysely';
import { executePrepared } from './kysely-store-dialect.js';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';
import { nodeKey } from './node-key.js';
import { nodeColumns, toNode } from './store-rows.js';
import type { NodeRow } from './store-rows.js';

const dot = 46; // '.'
const zero = 48; // '0'

/** The depth of a valid dot-path id: 0 for the root `""`, else its number of segments. */
function depthOf(nodeId: string): number {
  if (nodeId === '') return 0;
  let depth = 1;
  for (let index = 0; index < nodeId.length; index += 1) if (nodeId.charCodeAt(index) === dot) depth += 1;
  return depth;
}

/**
 * The nodes of path rows (root first), or `undefined` when the rows are not the path root →
 * `nodeId`: each row must be the child of the previous one at the position the id's next
 * segment names. The ids are prefixes of `nodeId` (slices share its characters), so a
 * 10,000-deep path costs one scan of the id instead of 10,000 growing concatenations.
 */
function toPathNodes(conversationId: string, nodeId: string, rows: readonly NodeRow[]): ConversationNode[] | undefined {
  if (rows.length !== depthOf(nodeId) + 1 || rows[0]!.parent_seq !== null) return undefined;
  const nodes = new Array<ConversationNode>(rows.length);
  nodes[0] = toNode(conversationId, '', null, rows[0]!);
  let parentId = '';
  let start = 0; // where the id's next segment starts
  for (let index = 1; index < rows.length; index += 1) {
    const row = rows[index]!;
    let end = start;
    let position = 0;
    while (end < nodeId.length && nodeId.charCodeAt(end) !== dot) {
      position = position * 10 + (nodeId.charCodeAt(end) - zero);
      end += 1;
    }
    // Drivers return a bigint either as a number or (PostgreSQL) as its canonical decimal text:
    // equal values are usually the same text, compared without converting either side.
    const parentSeq = row.parent_seq;
    const previousSeq = rows[index - 1]!.seq;
    if (Number(row.position) !== position || (parentSeq !== previousSeq && Number(parentSeq) !== Number(previousSeq)))
      return undefined;
    const id = end === nodeId.length ? nodeId : nodeId.slice(0, end);
    nodes[index] = toNode(conversationId, id, parentId, row);
    parentId = id;
    start = end + 1;
  }
  return nodes;
}

/**
 * The path root → `nodeId` (a valid dot-path id), or `undefined` when the node does not exist.
 *
 * When the path holds every node of the conversation (a conversation without branches, the
 * usual chat: its node count is the id's depth + 1), one statement reads the node rows in
 * `seq` order on the primary key, as fast as a plain select of them. Otherwise (or when those
 * rows turn out not to be the path) it walks up from the node on the narrow
 * `(seq, parent_seq)` pairs and then fetches the path's rows by key.
 */
export async function readPath(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  conversationId: string,
  nodeId: string,
): Promise<ConversationNode[] | undefined> {
  const nodes = dialect.table('dk_nodes');
  const { rows: all } = await executePrepared(
    db,
    dialect,
    sql<NodeRow>`SELECT ${nodeColumns(dialect, 'n')} FROM ${nodes} n
    WHERE n.conversation_id = ${conversationId} AND (SELECT c.node_count FROM ${dialect.table('dk_conversations')} c
      WHERE c.id = ${conversationId}) = ${depthOf(nodeId) + 1}
    ORDER BY n.seq`,
  );
  // Rows here are every node of the conversation, and a node at this depth would have all of
  // them on its path (a child's seq is above its parent's): if they are not its path, it is absent.
  if (all.length > 0) return toPathNodes(conversationId, nodeId, all);
  const { rows } = await executePrepared(
    db,
    dialect,
    sql<NodeRow>`WITH RECURSIVE up (seq, parent_seq, depth) AS (
      SELECT seq, parent_seq, 0 FROM ${nodes}
      WHERE conversation_id = ${conversationId} AND node_key = ${nodeKey(nodeId)}
      UNION ALL
      SELECT p.seq, p.parent_seq, up.depth + 1 FROM ${nodes} p
      JOIN up ON p.conversation_id = ${conversationId} AND p.seq = up.parent_seq)
    SELECT ${nodeColumns(dialect, 'n')} FROM up
    JOIN ${nodes} n ON n.conversation_id = ${conversationId} AND n.seq = up.seq
    ORDER BY up.depth DESC`,
  );
  return rows.length === 0 ? undefined : toPathNodes(conversationId, nodeId, rows);
}
