import type { ConversationNode, ConversationRecord } from '@dk/spec';
import { decodeStoredNodeId } from '@dk/storage-utils';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { KyselyStoreDialect } from './kysely-store-dialect.js';

/** A count or id as drivers return it (PostgreSQL `bigint` comes back as a string). */
export type Count = number | string | bigint;

/** A `dk_conversations` row as {@link conversationColumns} selects it. */
export interface ConversationRow {
  readonly id: string;
  readonly metadata: string;
  /** The cursor in its stored form (`encodeStoredNodeId`), or a plain dot path written before it. */
  readonly current_node_id: string | null;
  readonly version: Count;
  readonly node_count: Count;
  readonly created_at: Count;
  readonly updated_at: Count;
}

/** A `dk_nodes` row as {@link nodeColumns} selects it. */
export interface NodeRow {
  readonly seq: Count;
  readonly parent_seq: Count | null;
  readonly position: Count;
  readonly role: ConversationNode['role'];
  readonly content: string;
  readonly name: string | null;
  readonly tool_call_id: string | null;
  readonly tool_calls: string | null;
  readonly metadata: string;
  readonly prompt_name: string | null;
  readonly branch_name: string | null;
  readonly created_at: Count;
}

/** The conversation columns, qualified by `alias` (unqualified when `null`, e.g. in RETURNING). */
export function conversationColumns(dialect: KyselyStoreDialect, alias: string | null): RawBuilder<unknown> {
  const qualify = (name: string) => (alias === null ? name : `${alias}.${name}`);
  const column = (name: string) => sql.ref(qualify(name));
  return sql`${column('id')} AS id, ${dialect.jsonText(qualify('metadata'))} AS metadata,
    ${column('current_node_id')} AS current_node_id, ${column('version')} AS version,
    ${column('node_count')} AS node_count, ${column('created_at')} AS created_at, ${column('updated_at')} AS updated_at`;
}

/** The node columns of alias `alias`. */
export function nodeColumns(dialect: KyselyStoreDialect, alias: string): RawBuilder<unknown> {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return sql`${column('seq')} AS seq, ${column('parent_seq')} AS parent_seq, ${column('position')} AS position,
    ${column('role')} AS role, ${column('content')} AS content, ${column('name')} AS name,
    ${column('tool_call_id')} AS tool_call_id, ${dialect.jsonText(`${alias}.tool_calls`)} AS tool_calls,
    ${dialect.jsonText(`${alias}.metadata`)} AS metadata, ${column('prompt_name')} AS prompt_name,
    ${column('branch_name')} AS branch_name, ${column('created_at')} AS created_at`;
}

/**
 * The public cursor of a stored `current_node_id`. `undefined` means the backend did not read
 * the column (an append that moved the cursor; see `AppendedConversation`): a bug, not data.
 */
export function decodeCursor(stored: string | null | undefined): string | null {
  if (stored === undefined) throw new Error('the stored cursor was not read');
  return stored === null ? null : decodeStoredNodeId(stored);
}

/** The public record of a conversation row (as `materializeRecord` builds it, without an intermediate object per row). */
export function toRecord(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    metadata: row.metadata === '{}' ? {} : (JSON.parse(row.metadata) as ConversationRecord['metadata']),
    currentNodeId: decodeCursor(row.current_node_id),
    version: Number(row.version),
    nodeCount: Number(row.node_count),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

/** The public node of a node row; ids are derived by the caller (they are not stored). */
export function toNode(conversationId: string, id: string, parentId: string | null, row: NodeRow): ConversationNode {
  // Built here rather than through `materializeNode` (same fields, same order): this runs once
  // per node on a 10,000-node path, where an intermediate object per row doubles the garbage.
  const metadata = row.metadata === '{}' ? {} : (JSON.parse(row.metadata) as ConversationNode['metadata']);
  if (
    row.name === null &&
    row.tool_calls === null &&
    row.tool_call_id === null &&
    row.prompt_name === null &&
    row.branch_name === null
  ) {
    // The usual message: every field in one literal, so the node gets no property store of its own.
    return {
      conversationId,
      id,
      parentId,
      position: Number(row.position),
      role: row.role,
      content: row.content,
      metadata,
      createdAt: new Date(Number(row.created_at)),
    };
  }
  const node: { -readonly [Key in keyof ConversationNode]: ConversationNode[Key] } = {
    conversationId,
    id,
    parentId,
    position: Number(row.position),
    role: row.role,
    content: row.content,
  } as ConversationNode; // metadata and createdAt are set below, before it is returned
  if (row.name !== null) node.name = row.name;
  if (row.tool_calls !== null) node.toolCalls = JSON.parse(row.tool_calls) as ConversationNode['toolCalls'];
  if (row.tool_call_id !== null) node.toolCallId = row.tool_call_id;
  node.metadata = metadata;
  if (row.prompt_name !== null) node.promptName = row.prompt_name;
  if (row.branch_name !== null) node.branchName = row.branch_name;
  node.createdAt = new Date(Number(row.created_at));
  return node;
}
