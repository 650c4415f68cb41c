import type { NormalizedNode } from '@dk/storage-utils';
import { childNodeId, encodeStoredNodeId, isNodeId } from '@dk/storage-utils';
import { sql } from 'kysely';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';
import { nodeKey } from './node-key.js';
import type { ConversationRow, Count } from './store-rows.js';

/** One append as the store hands it to a backend: validated and normalised. */
export interface AppendNodeWrite {
  readonly conversationId: string;
  /** The parent's dot-path id (possibly malformed: then no parent matches), or `null` for the root. */
  readonly parentId: string | null;
  /** When set, the append happens only if the conversation's version equals it. */
  readonly expectedVersion: number | undefined;
  /** Also move the cursor to the new node and bump the version. */
  readonly moveCursor: boolean;
  /** The conversation's new `updated_at`, epoch milliseconds. */
  readonly now: number;
  readonly node: NormalizedNode;
}

/**
 * The new node's values in the order of the node columns after its tree position (`role`,
 * `content`, `name`, `tool_call_id`, `tool_calls`, `metadata`, `prompt_name`, `branch_name`,
 * `created_at`), for backends that bind parameters by position.
 */
export function nodeColumnValues(node: NormalizedNode): unknown[] {
  return [
    node.role,
    node.content,
    node.name,
    node.toolCallId,
    node.toolCallsJson,
    node.metadataJson,
    node.promptName,
    node.branchName,
    node.createdAt,
  ];
}

/**
 * The columns of the conversation row, as it was before an append, that the store derives the
 * new record from. `current_node_id` (stored form) is read only when the append leaves the
 * cursor where it was (`moveCursor: false`): otherwise the append overwrites it, and reading it
 * would only cost (a cursor written before the compact encoding can be 20 KB).
 */
export type AppendedConversation = Pick<ConversationRow, 'metadata' | 'version' | 'node_count' | 'created_at'> & {
  readonly current_node_id?: string | null;
};

/**
 * What an append did. `appended` carries the conversation as it was before the append (the
 * store derives the new record from it), the position allocated under the parent and, when the
 * backend keeps it (`LastAppendedNodes`), the new node's id: the store returns that very
 * string, so when the next turn passes it back as its parent, finding the remembered node is
 * one pointer comparison instead of comparing two 20 KB ids.
 */
export type AppendNodeOutcome =
  | {
      readonly kind: 'appended';
      readonly position: number;
      readonly conversation: AppendedConversation;
      readonly id?: string;
    }
  | { readonly kind: 'no-conversation' }
  | { readonly kind: 'version-conflict'; readonly actualVersion: number }
  | { readonly kind: 'no-parent' }
  | { readonly kind: 'has-root' };

/**
 * The portable append: one write transaction that locks the conversation row, reads the
 * parent and its next child position, inserts the node as number `node_count` of its
 * conversation and updates the conversation. Backends may replace it with a faster
 * equivalent (`KyselyStoreDialect.appendNode`). The cursor is written in its stored form
 * (`encodeStoredNodeId`), encoded here from the whole id: O(depth), like the key.
 */
export async function appendNodeInTransaction(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  write: AppendNodeWrite,
): Promise<AppendNodeOutcome> {
  const { conversationId, parentId, expectedVersion, moveCursor, now, node } = write;
  const nodes = dialect.table('dk_nodes');
  const conversations = dialect.table('dk_conversations');
  return dialect.writeTransaction(db, async (executor) => {
    const { rows } = await sql<AppendedConversation>`SELECT ${dialect.jsonText('c.metadata')} AS metadata,
        c.version AS version, c.node_count AS node_count, c.created_at AS created_at
        ${moveCursor ? sql`` : sql`, c.current_node_id AS current_node_id`}
      FROM ${conversations} c WHERE c.id = ${conversationId} ${dialect.forUpdate}`.execute(executor);
    const conversation = rows[0];
    if (conversation === undefined) return { kind: 'no-conversation' };
    const version = Number(conversation.version);
    if (expectedVersion !== undefined && expectedVersion !== version) {
      return { kind: 'version-conflict', actualVersion: version };
    }
    let parentSeq: Count | null = null;
    let position = 0;
    let id = '';
    if (parentId === null) {
      if (Number(conversation.node_count) > 0) return { kind: 'has-root' };
    } else {
      const parent = isNodeId(parentId)
        ? (
            await sql<{ seq: Count; next_position: Count }>`SELECT p.seq AS seq,
              (SELECT coalesce(max(k.position) + 1, 0) FROM ${nodes} k
                WHERE k.conversation_id = p.conversation_id AND k.parent_seq = p.seq) AS next_position
              FROM ${nodes} p WHERE p.conversation_id = ${conversationId} AND p.node_key = ${nodeKey(parentId)}`.execute(
              executor,
            )
          ).rows[0]
        : undefined;
      if (parent === undefined) return { kind: 'no-parent' };
      parentSeq = parent.seq;
      position = Number(parent.next_position);
      id = childNodeId(parentId, position);
    }
    await sql`INSERT INTO ${nodes} (conversation_id, seq, parent_seq, position, node_key, role, content, name,
        tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
      VALUES (${conversationId}, ${Number(conversation.node_count)}, ${parentSeq}, ${position}, ${nodeKey(id)},
        ${node.role}, ${node.content}, ${node.name}, ${node.toolCallId},
        ${node.toolCallsJson === null ? null : dialect.jsonParameter(node.toolCallsJson)},
        ${dialect.jsonParameter(node.metadataJson)}, ${node.promptName}, ${node.branchName}, ${node.createdAt})`.execute(
      executor,
    );
    await sql`UPDATE ${conversations} SET node_count = node_count + 1, updated_at = ${now}
      ${moveCursor ? sql`, current_node_id = ${encodeStoredNodeId(id)}, version = version + 1` : sql``}
      WHERE id = ${conversationId}`.execute(executor);
    return { kind: 'appended', position, conversation };
  });
}
