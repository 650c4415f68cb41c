import { keyedChild, keyedNode, nodeColumnValues } from '@dk/storage-kysely';
import type {
  AppendedConversation,
  AppendNodeOutcome,
  AppendNodeWrite,
  KyselyStoreDialect,
  LastAppendedNodes,
  StoreExecutor,
} from '@dk/storage-kysely';
import { CompiledQuery, sql } from 'kysely';

/** The key expression of a node id in SQL: the bytes `nodeKey` computes in JavaScript. */
const keyOf = (expression: string) => `substring(sha256(convert_to(${expression}, 'UTF8')) FROM 1 FOR 16)`;

/** The argument types of the function before migration 8, for dropping it. */
export const previousAppendSignature =
  'text, text, integer, boolean, bigint, text, text, text, text, jsonb, jsonb, text, text, bigint';

/**
 * The argument types of the function of migration 8, which migration 9 leaves in place: a
 * server already running the previous package keeps appending through it during a rolling
 * upgrade (it does the same; only the parent's row address is new). A later migration that
 * drops it must name this signature.
 */
export const version8AppendSignature =
  'text, text, bytea, text, bytea, text, integer, boolean, bigint, text, text, text, text, jsonb, jsonb, text, text, bigint';

/**
 * Migrations 5, 7, 8 and 9: `dk_append_node`, the append as one server-side function, so an
 * append is one round trip whose statements PL/pgSQL prepares once per session. It does what
 * the portable transaction does: lock the
 * conversation row, check the version, find the parent by its key, take the next child position
 * (read after the lock, so concurrent appends under one parent queue and get distinct
 * positions), insert the node as number `node_count`, update the conversation. It returns the
 * outcome, the columns of the conversation row as it was before that the store needs, and the
 * address (`ctid`) of the new node's row.
 *
 * Finding the parent: a chat's next turn goes under the node appended last, whose row address
 * the store kept from that append and passes back (`p_parent_row`). A TID scan reads that one
 * row, and the row must be that node (same conversation and key), so a stale address (the row
 * moved by `VACUUM FULL`, the conversation deleted and created again) only falls through to
 * the lookup by key. That lookup is planned per call (`EXECUTE`): a plan PL/pgSQL cached while
 * the table held a handful of rows scans the whole conversation through the children index
 * (with such estimates every index leading with `conversation_id` costs the same). Planning it
 * costs about as much as the rest of the function, which is why the common case avoids it: a
 * TID scan has one plan at any table size.
 *
 * Nothing in it is O(depth) for a chat turn. The caller passes the parent's key and stored
 * cursor (`encodeStoredNodeId`) and those its first child would have, computed in JavaScript
 * (O(1) for the node it appended last, see `LastAppendedNodes`); the function takes the first
 * child's (a chat's next turn) or, for a later sibling, hashes `<parent id>.<position>` and
 * writes `<parent cursor>.<position>`. It reads only the columns it returns, and the old cursor
 * only when it keeps it (`p_move_cursor` false), so it never reads, detoasts or returns a long
 * cursor it is about to overwrite. The parent's dot-path id is still sent (later siblings'
 * keys need it) but not hashed for a first child. The function trusts the keys it is given:
 * it is the store's own statement, not an API (a wrong key would file a node under a wrong id).
 */
export async function createAppendFunction(executor: StoreExecutor, schema: string): Promise<void> {
  const table = (name: string) => `"${schema}".${name}`;
  // The output columns are PL/pgSQL variables too; names in statements mean table columns.
  const body = `
#variable_conflict use_column
DECLARE
  old_metadata text;
  old_cursor text;
  old_version integer;
  old_count integer;
  old_created_at bigint;
  parent integer;
  next_position integer := 0;
  child_key bytea;
  child_cursor text := '';
  child_row tid;
BEGIN
  SELECT c.metadata::text, CASE WHEN p_move_cursor THEN NULL ELSE c.current_node_id END, c.version, c.node_count,
    c.created_at INTO old_metadata, old_cursor, old_version, old_count, old_created_at
    FROM ${table('dk_conversations')} c WHERE c.id = p_conversation_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no-conversation'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
      NULL::integer, NULL::bigint, NULL::tid;
    RETURN;
  END IF;
  IF p_expected_version IS NOT NULL AND p_expected_version <> old_version THEN
    RETURN QUERY SELECT 'version-conflict'::text, NULL::integer, NULL::text, NULL::text, old_version,
      NULL::integer, NULL::bigint, NULL::tid;
    RETURN;
  END IF;
  IF p_parent_id IS NULL THEN
    IF old_count > 0 THEN
      RETURN QUERY SELECT 'has-root'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
        NULL::integer, NULL::bigint, NULL::tid;
      RETURN;
    END IF;
    child_key := ${keyOf("''")};
  ELSE
    -- The row at the address the caller kept, if it is still that node (see above).
    IF p_parent_row IS NOT NULL THEN
      SELECT r.seq INTO parent FROM ${table('dk_nodes')} r
        WHERE r.ctid = p_parent_row AND r.conversation_id = p_conversation_id AND r.node_key = p_parent_key;
    END IF;
    -- Else by key, planned per call with the table's current size (see above). A NULL key (the
    -- caller's parent id is not a node id) finds no parent.
    IF parent IS NULL THEN
      EXECUTE 'SELECT n.seq FROM ${table('dk_nodes')} n WHERE n.conversation_id = $1 AND n.node_key = $2'
        INTO parent USING p_conversation_id, p_parent_key;
    END IF;
    IF parent IS NULL THEN
      RETURN QUERY SELECT 'no-parent'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
        NULL::integer, NULL::bigint, NULL::tid;
      RETURN;
    END IF;
    SELECT coalesce(max(k.position) + 1, 0) INTO next_position FROM ${table('dk_nodes')} k
      WHERE k.conversation_id = p_conversation_id AND k.parent_seq = parent;
    IF next_position = 0 THEN
      child_key := p_first_child_key;
      child_cursor := p_first_child_cursor;
    ELSIF p_parent_id = '' THEN
      child_key := ${keyOf('next_position::text')};
      child_cursor := next_position::text;
    ELSE
      child_key := ${keyOf(`p_parent_id || '.' || next_position`)};
      child_cursor := p_parent_cursor || '.' || next_position;
    END IF;
  END IF;
  INSERT INTO ${table('dk_nodes')} (conversation_id, seq, parent_seq, position, node_key, role, content, name,
    tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
  VALUES (p_conversation_id, old_count, parent, next_position, child_key, p_role, p_content, p_name,
    p_tool_call_id, p_tool_calls, p_metadata, p_prompt_name, p_branch_name, p_created_at)
  RETURNING ctid INTO child_row;
  IF p_move_cursor THEN
    UPDATE ${table('dk_conversations')} SET node_count = node_count + 1, updated_at = p_now,
      current_node_id = child_cursor, version = version + 1 WHERE id = p_conversation_id;
  ELSE
    UPDATE ${table('dk_conversations')} SET node_count = node_count + 1, updated_at = p_now
      WHERE id = p_conversation_id;
  END IF;
  RETURN QUERY SELECT 'appended'::text, next_position, old_metadata, old_cursor, old_version, old_count,
    old_created_at, child_row;
END`;
  await sql`CREATE OR REPLACE FUNCTION ${sql.table(`${schema}.dk_append_node`)} (
      p_conversation_id text, p_parent_id text, p_parent_key bytea, p_parent_row tid, p_parent_cursor text,
      p_first_child_key bytea, p_first_child_cursor text, p_expected_version integer, p_move_cursor boolean,
      p_now bigint,
      p_role text, p_content text, p_name text, p_tool_call_id text, p_tool_calls jsonb, p_metadata jsonb,
      p_prompt_name text, p_branch_name text, p_created_at bigint)
    RETURNS TABLE (outcome text, "position" integer, metadata text, current_node_id text, version integer,
      node_count integer, created_at bigint, node_row tid)
    LANGUAGE plpgsql ROWS 1 AS ${sql.raw(`$dk_append$${body}$dk_append$`)}`.execute(executor);
}

interface AppendRow extends Omit<AppendedConversation, 'current_node_id'> {
  readonly outcome: AppendNodeOutcome['kind'];
  readonly position: number | null;
  readonly current_node_id: string | null;
  /** The new node's row address (`ctid`, as text), when appended. */
  readonly node_row: string | null;
}

/** The SQL text of the append call per schema, compiled once (the call differs only in its values). */
const callTexts = new Map<string, string>();

function callText(db: StoreExecutor, schema: string): string {
  let text = callTexts.get(schema);
  if (text === undefined) {
    // Nineteen parameters; the 15th and 16th (tool calls, metadata) are JSON text cast to jsonb.
    const parameters = Array.from({ length: 19 }, (_, index) =>
      index === 14 || index === 15 ? sql`${null}::jsonb` : sql`${null}`,
    );
    text = sql`SELECT * FROM ${sql.table(`${schema}.dk_append_node`)}(${sql.join(parameters)})`.compile(db).sql;
    callTexts.set(schema, text);
  }
  return text;
}

/**
 * One append as one call of `dk_append_node`: one round trip, sent as a named prepared
 * statement when the dialect keeps statements prepared (its plan does not depend on values).
 * `lastAppended` supplies the parent's key, stored cursor and row address, and learns the new
 * node's.
 */
export async function appendNodeWithFunction(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  schema: string,
  lastAppended: LastAppendedNodes,
  write: AppendNodeWrite,
): Promise<AppendNodeOutcome> {
  const { conversationId, parentId, expectedVersion, moveCursor, now, node } = write;
  // A malformed parent id has no key: the function answers no-parent (after the conversation
  // and version checks).
  const parent = parentId === null ? undefined : lastAppended.parent(conversationId, parentId);
  const firstChild = parent === undefined ? undefined : keyedChild(parent, 0);
  const text = callText(db, schema);
  dialect.markPrepared?.(text);
  const { rows } = await db.executeQuery<AppendRow>(
    CompiledQuery.raw(text, [
      conversationId,
      parentId,
      parent?.key ?? null,
      parent?.row ?? null,
      parent?.stored ?? null,
      firstChild?.key ?? null,
      firstChild?.stored ?? null,
      expectedVersion ?? null,
      moveCursor,
      now,
      ...nodeColumnValues(node),
    ]),
  );
  const row = rows[0]!;
  switch (row.outcome) {
    case 'appended': {
      const position = row.position!;
      const { metadata, version, node_count, created_at, current_node_id } = row;
      // An appended node had a parent with a key, or none (the root).
      const child = parent === undefined ? keyedNode('') : position === 0 ? firstChild! : keyedChild(parent, position);
      lastAppended.remember(conversationId, child, row.node_row ?? undefined);
      return {
        kind: 'appended',
        position,
        id: child.id,
        conversation: moveCursor
          ? { metadata, version, node_count, created_at }
          : { metadata, version, node_count, created_at, current_node_id },
      };
    }
    case 'version-conflict':
      return { kind: 'version-conflict', actualVersion: Number(row.version) };
    default:
      return { kind: row.outcome };
  }
}
