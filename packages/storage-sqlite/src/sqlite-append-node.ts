import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { nodeColumnValues } from '@dk/storage-kysely';
import type { AppendedConversation, AppendNodeOutcome, AppendNodeWrite } from '@dk/storage-kysely';
import { childNodeId, encodeStoredNodeId, isNodeId, storedChildNodeId } from '@dk/storage-utils';
import type Database from 'better-sqlite3';

/** Bytes of a node key (see `nodeKey` in @dk/storage-kysely: the first 16 bytes of SHA-256 of the id). */
const nodeKeyLength = 16;
/** Conversations whose last appended node this process remembers (see {@link KeyedNode}). */
const rememberedConversations = 256;

/**
 * A node id with its key, the SHA-256 state after its text and its stored form (the cursor
 * column's `encodeStoredNodeId`). A dot path grows with depth (about 2 characters a level), so
 * hashing, checking and encoding it costs O(depth); a chat appends under the node it appended
 * last, whose key, hash state and stored form are then at hand, and the child's key is the
 * parent's state plus `.<position>`, its stored form `storedChildNodeId`: O(1) per turn at any
 * depth.
 */
interface KeyedNode {
  readonly id: string;
  readonly key: Buffer;
  readonly state: Hash;
  readonly stored: string;
}

function keyed(id: string, state: Hash, stored: string): KeyedNode {
  return { id, key: state.copy().digest().subarray(0, nodeKeyLength), state, stored };
}

interface AppendStatements {
  /** The conversation before an append that moves the cursor (which it need not read: it overwrites it). */
  readonly conversation: Database.Statement<[string], AppendedConversation>;
  /** The conversation before an append that leaves the cursor, with the cursor. */
  readonly conversationWithCursor: Database.Statement<[string], AppendedConversation>;
  readonly parent: Database.Statement<[string, Buffer], { seq: number; next_position: number }>;
  readonly insert: Database.Statement<unknown[]>;
  readonly update: Database.Statement<unknown[]>;
  readonly updateWithCursor: Database.Statement<unknown[]>;
  readonly run: (write: AppendNodeWrite) => AppendNodeOutcome;
}

/** The prepared statements of each database, prepared on its first append. */
const prepared = new WeakMap<Database.Database, AppendStatements>();

function prepare(database: Database.Database): AppendStatements {
  const statements: Omit<AppendStatements, 'run'> = {
    conversation: database.prepare(
      `SELECT metadata, version, node_count, created_at FROM dk_conversations WHERE id = ?`,
    ),
    conversationWithCursor: database.prepare(`SELECT metadata, version, node_count, created_at, current_node_id
      FROM dk_conversations WHERE id = ?`),
    parent: database.prepare(`SELECT p.seq AS seq,
        (SELECT coalesce(max(k.position) + 1, 0) FROM dk_nodes k
          WHERE k.conversation_id = p.conversation_id AND k.parent_seq = p.seq) AS next_position
      FROM dk_nodes p WHERE p.conversation_id = ? AND p.node_key = ?`),
    insert: database.prepare(`INSERT INTO dk_nodes (conversation_id, seq, parent_seq, position, node_key, role, content,
        name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: database.prepare(`UPDATE dk_conversations SET node_count = node_count + 1, updated_at = ? WHERE id = ?`),
    updateWithCursor: database.prepare(`UPDATE dk_conversations
      SET node_count = node_count + 1, updated_at = ?, current_node_id = ?, version = version + 1 WHERE id = ?`),
  };
  const append = (write: AppendNodeWrite): AppendNodeOutcome => {
    const { conversationId, parentId, expectedVersion, moveCursor, now, node } = write;
    const conversation = (moveCursor ? statements.conversation : statements.conversationWithCursor).get(conversationId);
    if (conversation === undefined) return { kind: 'no-conversation' };
    const version = Number(conversation.version);
    if (expectedVersion !== undefined && expectedVersion !== version) {
      return { kind: 'version-conflict', actualVersion: version };
    }
    let parentSeq: number | null = null;
    let position = 0;
    let child: KeyedNode;
    if (parentId === null) {
      if (Number(conversation.node_count) > 0) return { kind: 'has-root' };
      child = keyed('', createHash('sha256'), '');
    } else {
      const last = lastAppended.get(conversationId);
      let keyedParent: KeyedNode | undefined = last?.id === parentId ? last : undefined;
      if (keyedParent === undefined && isNodeId(parentId)) {
        keyedParent = keyed(parentId, createHash('sha256').update(parentId, 'utf8'), encodeStoredNodeId(parentId));
      }
      const parent = keyedParent === undefined ? undefined : statements.parent.get(conversationId, keyedParent.key);
      if (parent === undefined) return { kind: 'no-parent' };
      parentSeq = parent.seq;
      position = parent.next_position;
      const id = childNodeId(parentId, position);
      child = keyed(
        id,
        parentId === '' ? createHash('sha256').update(id) : keyedParent!.state.copy().update(`.${position}`),
        storedChildNodeId(keyedParent!.stored, position),
      );
    }
    statements.insert.run(
      conversationId,
      conversation.node_count,
      parentSeq,
      position,
      child.key,
      ...nodeColumnValues(node),
    );
    if (moveCursor) statements.updateWithCursor.run(now, child.stored, conversationId);
    else statements.update.run(now, conversationId);
    pending = child;
    return { kind: 'appended', position, conversation };
  };
  /** The last node appended to each of the recently written conversations. */
  const lastAppended = new Map<string, KeyedNode>();
  /** The node of the running transaction, remembered once it commits. */
  let pending: KeyedNode | undefined;
  // Takes the write lock up front (BEGIN IMMEDIATE), like every write of the store.
  const transaction = database.transaction(append);
  const run = (write: AppendNodeWrite): AppendNodeOutcome => {
    pending = undefined;
    const outcome = transaction.immediate(write);
    if (pending !== undefined) {
      lastAppended.delete(write.conversationId);
      if (lastAppended.size >= rememberedConversations) lastAppended.delete(lastAppended.keys().next().value!);
      lastAppended.set(write.conversationId, pending);
    }
    return outcome;
  };
  return { ...statements, run };
}

/**
 * The SQLite append: the statements of the portable append, prepared once per database and
 * run synchronously in one `BEGIN IMMEDIATE` transaction on the better-sqlite3 connection,
 * with no query building or promise per statement.
 */
export function appendNodeWithStatements(database: Database.Database, write: AppendNodeWrite): AppendNodeOutcome {
  let statements = prepared.get(database);
  if (statements === undefined) {
    statements = prepare(database);
    prepared.set(database, statements);
  }
  return statements.run(write);
}
