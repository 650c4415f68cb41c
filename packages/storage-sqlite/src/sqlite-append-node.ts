import { keyedChild, keyedNode, LastAppendedNodes, nodeColumnValues } from '@dk/storage-kysely';
import type { AppendedConversation, AppendNodeOutcome, AppendNodeWrite, KeyedNode } from '@dk/storage-kysely';
import type Database from 'better-sqlite3';

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
      child = keyedNode('');
    } else {
      // The node appended last is at hand (O(1) per turn); another parent is keyed from its id.
      const keyedParent = lastAppended.parent(conversationId, parentId);
      const parent = keyedParent === undefined ? undefined : statements.parent.get(conversationId, keyedParent.key);
      if (parent === undefined) return { kind: 'no-parent' };
      parentSeq = parent.seq;
      position = parent.next_position;
      child = keyedChild(keyedParent!, position);
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
    return { kind: 'appended', position, conversation, id: child.id };
  };
  const lastAppended = new LastAppendedNodes();
  /** The node of the running transaction, remembered once it commits. */
  let pending: KeyedNode | undefined;
  // Takes the write lock up front (BEGIN IMMEDIATE), like every write of the store.
  const transaction = database.transaction(append);
  const run = (write: AppendNodeWrite): AppendNodeOutcome => {
    pending = undefined;
    const outcome = transaction.immediate(write);
    if (pending !== undefined) lastAppended.remember(write.conversationId, pending);
    return outcome;
  };
  return { ...statements, run };
}

/**
 * The SQLite append: the statements of the portable append, prepared once per database and
 * run synchronously in one `BEGIN IMMEDIATE` transaction on the better-sqlite3 connection,
 * with no query building or promise per statement. The new node's key and stored cursor come
 * from the node appended last (`LastAppendedNodes`): O(1) per chat turn at any depth.
 */
export function appendNodeWithStatements(database: Database.Database, write: AppendNodeWrite): AppendNodeOutcome {
  let statements = prepared.get(database);
  if (statements === undefined) {
    statements = prepare(database);
    prepared.set(database, statements);
  }
  return statements.run(write);
}
