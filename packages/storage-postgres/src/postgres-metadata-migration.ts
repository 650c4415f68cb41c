import type { StoreExecutor } from '@dk/storage-kysely';
import { sql } from 'kysely';

/**
 * Migration 6: metadata filters through a B-tree instead of a GIN index, and no pending lists.
 *
 * - `dk_conversation_metadata` holds each conversation's top-level scalar metadata values, one
 *   row per key (primary key `(conversation_id, key)`, searched by `(key, value)`), kept by a
 *   trigger on writes of `metadata` only. The GIN index on `dk_conversations.metadata` goes:
 *   every append updates the conversation row (its `updated_at`), and with that index each
 *   update re-inserted the metadata into it (or into its pending list, which made listing slow
 *   after bulk inserts until a `VACUUM`). Filters become semi-joins the planner can run either
 *   way: collect the few matches of a selective key through `(key, value)`, or walk the sort
 *   index and probe `(conversation_id, key)` for a broad one, stopping at the page size.
 * - The GIN index of node text is rebuilt without a pending list (`fastupdate = off`): each
 *   append pays for its own words instead of an occasional append paying for thousands.
 */
export async function metadataTable(
  executor: StoreExecutor,
  schema: string,
  partitions: number | undefined,
): Promise<void> {
  const table = (name: string) => sql.table(`${schema}.${name}`);
  await sql`CREATE TABLE ${table('dk_conversation_metadata')} (
    conversation_id text COLLATE "C" NOT NULL REFERENCES ${table('dk_conversations')} (id) ON DELETE CASCADE,
    key text COLLATE "C" NOT NULL,
    value jsonb NOT NULL,
    PRIMARY KEY (conversation_id, key))
    ${partitions === undefined ? sql`` : sql`PARTITION BY HASH (conversation_id)`}`.execute(executor);
  for (let remainder = 0; remainder < (partitions ?? 0); remainder += 1) {
    await sql`CREATE TABLE ${table(`dk_conversation_metadata_p${remainder}`)} PARTITION OF ${table('dk_conversation_metadata')}
      FOR VALUES WITH (MODULUS ${sql.lit(partitions!)}, REMAINDER ${sql.lit(remainder)})`.execute(executor);
  }
  await sql`INSERT INTO ${table('dk_conversation_metadata')} (conversation_id, key, value)
    SELECT c.id, j.key, j.value FROM ${table('dk_conversations')} c, jsonb_each(c.metadata) j
    WHERE jsonb_typeof(j.value) NOT IN ('object', 'array')`.execute(executor);
  await sql`CREATE INDEX dk_conversation_metadata_value ON ${table('dk_conversation_metadata')} (key, value)`.execute(
    executor,
  );
  const metadata = `"${schema}".dk_conversation_metadata`;
  await sql`CREATE FUNCTION ${table('dk_conversation_metadata_sync')}() RETURNS trigger LANGUAGE plpgsql AS ${sql.raw(`$dk_sync$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM ${metadata} WHERE conversation_id = NEW.id;
  END IF;
  INSERT INTO ${metadata} (conversation_id, key, value)
    SELECT NEW.id, j.key, j.value FROM jsonb_each(NEW.metadata) j WHERE jsonb_typeof(j.value) NOT IN ('object', 'array');
  RETURN NULL;
END
$dk_sync$`)}`.execute(executor);
  await sql`CREATE TRIGGER dk_conversation_metadata_insert AFTER INSERT ON ${table('dk_conversations')}
    FOR EACH ROW EXECUTE FUNCTION ${table('dk_conversation_metadata_sync')}()`.execute(executor);
  await sql`CREATE TRIGGER dk_conversation_metadata_update AFTER UPDATE OF metadata ON ${table('dk_conversations')}
    FOR EACH ROW WHEN (OLD.metadata IS DISTINCT FROM NEW.metadata)
    EXECUTE FUNCTION ${table('dk_conversation_metadata_sync')}()`.execute(executor);
  await sql`DROP INDEX ${table('dk_conversations_metadata')}`.execute(executor);
  await sql`DROP INDEX ${table('dk_nodes_content_tsv')}`.execute(executor);
  await sql`CREATE INDEX dk_nodes_content_tsv ON ${table('dk_nodes')} USING gin (content_tsv) WITH (fastupdate = off)`.execute(
    executor,
  );
}
