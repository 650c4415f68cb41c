import { nodeColumnValues } from '@dk/storage-kysely';
import type {
  AppendNodeOutcome,
  AppendNodeWrite,
  ConversationRow,
  KyselyStoreDialect,
  StoreExecutor,
} from '@dk/storage-kysely';
import { CompiledQuery, sql } from 'kysely';

/** The key expression of a node id in SQL: the bytes `nodeKey` computes in JavaScript. */
const keyOf = (expression: string) => `substring(sha256(convert_to(${expression}, 'UTF8')) FROM 1 FOR 16)`;

/**
 * Migrations 5 and 7: `dk_append_node`, the append as one server-side function, so an append is
 * one round trip whose statements PL/pgSQL prepares once per session (the parent lookup is
 * planned per call, see there). It does what the portable
 * transaction does: lock the conversation row, check the version, find the parent by its key,
 * take the next child position (read after the lock, so concurrent appends under one parent
 * queue and get distinct positions), insert the node as number `node_count`, update the
 * conversation. It returns the outcome and the conversation row as it was before.
 */
export async function createAppendFunction(executor: StoreExecutor, schema: string): Promise<void> {
  const table = (name: string) => `"${schema}".${name}`;
  // The output columns are PL/pgSQL variables too; names in statements mean table columns.
  const body = `
#variable_conflict use_column
DECLARE
  c ${table('dk_conversations')}%ROWTYPE;
  parent integer;
  parent_key bytea;
  next_position integer := 0;
  child_id text := '';
BEGIN
  SELECT * INTO c FROM ${table('dk_conversations')} WHERE id = p_conversation_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no-conversation'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
      NULL::integer, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  IF p_expected_version IS NOT NULL AND p_expected_version <> c.version THEN
    RETURN QUERY SELECT 'version-conflict'::text, NULL::integer, NULL::text, NULL::text, c.version,
      NULL::integer, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  IF p_parent_id IS NULL THEN
    IF c.node_count > 0 THEN
      RETURN QUERY SELECT 'has-root'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
        NULL::integer, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
  ELSE
    -- Planned per call with the table's current size: a plan cached while the table was small
    -- may scan the whole conversation through the children index instead of this key lookup.
    parent_key := ${keyOf('p_parent_id')};
    EXECUTE 'SELECT n.seq FROM ${table('dk_nodes')} n WHERE n.conversation_id = $1 AND n.node_key = $2'
      INTO parent USING p_conversation_id, parent_key;
    IF parent IS NULL THEN
      RETURN QUERY SELECT 'no-parent'::text, NULL::integer, NULL::text, NULL::text, NULL::integer,
        NULL::integer, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
    SELECT coalesce(max(k.position) + 1, 0) INTO next_position FROM ${table('dk_nodes')} k
      WHERE k.conversation_id = p_conversation_id AND k.parent_seq = parent;
    child_id := CASE WHEN p_parent_id = '' THEN next_position::text ELSE p_parent_id || '.' || next_position END;
  END IF;
  INSERT INTO ${table('dk_nodes')} (conversation_id, seq, parent_seq, position, node_key, role, content, name,
    tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
  VALUES (p_conversation_id, c.node_count, parent, next_position, ${keyOf('child_id')}, p_role, p_content, p_name,
    p_tool_call_id, p_tool_calls, p_metadata, p_prompt_name, p_branch_name, p_created_at);
  IF p_move_cursor THEN
    UPDATE ${table('dk_conversations')} SET node_count = node_count + 1, updated_at = p_now,
      current_node_id = child_id, version = version + 1 WHERE id = p_conversation_id;
  ELSE
    UPDATE ${table('dk_conversations')} SET node_count = node_count + 1, updated_at = p_now
      WHERE id = p_conversation_id;
  END IF;
  RETURN QUERY SELECT 'appended'::text, next_position, c.metadata::text, c.current_node_id, c.version,
    c.node_count, c.created_at, c.updated_at;
END`;
  await sql`CREATE OR REPLACE FUNCTION ${sql.table(`${schema}.dk_append_node`)} (
      p_conversation_id text, p_parent_id text, p_expected_version integer, p_move_cursor boolean, p_now bigint,
      p_role text, p_content text, p_name text, p_tool_call_id text, p_tool_calls jsonb, p_metadata jsonb,
      p_prompt_name text, p_branch_name text, p_created_at bigint)
    RETURNS TABLE (outcome text, "position" integer, metadata text, current_node_id text, version integer,
      node_count integer, created_at bigint, updated_at bigint)
    LANGUAGE plpgsql ROWS 1 AS ${sql.raw(`$dk_append$${body}$dk_append$`)}`.execute(executor);
}

interface AppendRow extends ConversationRow {
  readonly outcome: AppendNodeOutcome['kind'];
  readonly position: number | null;
}

/** The SQL text of the append call per schema, compiled once (the call differs only in its values). */
const callTexts = new Map<string, string>();

function callText(db: StoreExecutor, schema: string): string {
  let text = callTexts.get(schema);
  if (text === undefined) {
    // Fourteen parameters; the tenth and eleventh (tool calls, metadata) are JSON text cast to jsonb.
    const parameters = Array.from({ length: 14 }, (_, index) =>
      index === 9 || index === 10 ? sql`${null}::jsonb` : sql`${null}`,
    );
    text = sql`SELECT * FROM ${sql.table(`${schema}.dk_append_node`)}(${sql.join(parameters)})`.compile(db).sql;
    callTexts.set(schema, text);
  }
  return text;
}

/**
 * One append as one call of `dk_append_node`: one round trip, sent as a named prepared
 * statement when the dialect keeps statements prepared (its plan does not depend on values).
 */
export async function appendNodeWithFunction(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  schema: string,
  write: AppendNodeWrite,
): Promise<AppendNodeOutcome> {
  const { conversationId, parentId, expectedVersion, moveCursor, now, node } = write;
  const text = callText(db, schema);
  dialect.markPrepared?.(text);
  const { rows } = await db.executeQuery<AppendRow>(
    CompiledQuery.raw(text, [
      conversationId,
      parentId,
      expectedVersion ?? null,
      moveCursor,
      now,
      ...nodeColumnValues(node),
    ]),
  );
  const row = rows[0]!;
  switch (row.outcome) {
    case 'appended':
      return { kind: 'appended', position: row.position!, conversation: { ...row, id: conversationId } };
    case 'version-conflict':
      return { kind: 'version-conflict', actualVersion: Number(row.version) };
    default:
      return { kind: row.outcome };
  }
}
