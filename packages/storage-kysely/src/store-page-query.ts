import type { ConversationPage } from '@dk/spec';
import { encodePageCursor } from '@dk/storage-utils';
import type { NormalizedFilter, NormalizedListOptions } from '@dk/storage-utils';
import { CompiledQuery, sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';
import { conversationColumns, toRecord } from './store-rows.js';
import type { ConversationRow } from './store-rows.js';

const sortColumns = { createdAt: 'created_at', updatedAt: 'updated_at', id: 'id' } as const;

/**
 * The page statements compiled so far, by dialect, keyed by the filter condition's SQL text
 * and the sort: building and compiling the whole statement through Kysely takes a noticeable
 * share of a selective page's time, and its text depends on nothing else.
 */
const pageTexts = new WeakMap<KyselyStoreDialect, Map<string, string>>();
const maxPageTexts = 256;

/**
 * The condition on conversation alias `c` for a filter. `ordered` tells the dialect that the
 * query reads one sorted page (see `KyselyStoreDialect.metadataCondition`).
 */
export async function filterCondition(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  filter: NormalizedFilter,
  ordered: boolean,
  indexedKeys: ReadonlySet<string>,
): Promise<RawBuilder<SqlBool>> {
  const conditions: RawBuilder<SqlBool>[] = [];
  // An indexed key's condition is on the conversation row itself, so the (value, updated_at,
  // id) index can drive the query; the other keys go to the dialect.
  const indexed = filter.metadata.find(([key]) => indexedKeys.has(key));
  if (indexed !== undefined) conditions.push(dialect.indexedMetadataCondition(indexed[0], indexed[1]));
  const rest = filter.metadata.filter((entry) => entry !== indexed);
  if (rest.length > 0) {
    conditions.push(await dialect.metadataCondition(rest, { executor: db, ordered: ordered && indexed === undefined }));
  }
  if (filter.createdAfter !== undefined) conditions.push(sql<SqlBool>`c.created_at >= ${filter.createdAfter}`);
  if (filter.createdBefore !== undefined) conditions.push(sql<SqlBool>`c.created_at < ${filter.createdBefore}`);
  if (filter.updatedAfter !== undefined) conditions.push(sql<SqlBool>`c.updated_at >= ${filter.updatedAfter}`);
  if (filter.updatedBefore !== undefined) conditions.push(sql<SqlBool>`c.updated_at < ${filter.updatedBefore}`);
  if (filter.tokens !== undefined) conditions.push(await dialect.textCondition(filter.tokens, { executor: db }));
  return conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
}

/** One sorted page of conversations (`list` and `search`), with its keyset cursor. */
export async function readPage(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  options: NormalizedListOptions,
  indexedKeys: ReadonlySet<string>,
): Promise<ConversationPage> {
  const { filter, sortBy, sortOrder, limit, offset, cursor } = options;
  const filterSql = await filterCondition(db, dialect, filter, true, indexedKeys);
  const condition = filterSql.compile(db);
  // The statement's parameters in order: the condition's (the first parameters of the text:
  // the columns and table have none), the cursor's, the limit and the offset.
  const parameters: unknown[] = [...condition.parameters];
  if (cursor !== undefined) {
    if (sortBy === 'id') parameters.push(cursor.id);
    else parameters.push(cursor.value, cursor.id);
  }
  parameters.push(limit + 1, offset);
  let texts = pageTexts.get(dialect);
  if (texts === undefined) pageTexts.set(dialect, (texts = new Map()));
  const key = `${sortBy} ${sortOrder} ${cursor === undefined ? 'first' : 'next'} ${condition.sql}`;
  const text = texts.get(key);
  let compiled: CompiledQuery<ConversationRow>;
  if (text !== undefined) compiled = CompiledQuery.raw(text, parameters);
  else {
    compiled = pageQuery(dialect, options, filterSql).compile(db);
    // Kept only when the parameters line up, so a kept text always runs with the right values.
    const aligned =
      compiled.parameters.length === parameters.length &&
      compiled.parameters.every((value, index) => value === parameters[index]);
    if (aligned && texts.size < maxPageTexts) texts.set(key, compiled.sql);
  }
  // Unfiltered or on one indexed key only, the plan is a walk of one ordered index whatever
  // the values: keep it prepared. Other filters' best plans depend on how many rows match.
  const { metadata } = filter;
  const stable =
    filter.tokens === undefined &&
    filter.createdAfter === undefined &&
    filter.createdBefore === undefined &&
    filter.updatedAfter === undefined &&
    filter.updatedBefore === undefined &&
    (metadata.length === 0 || (metadata.length === 1 && indexedKeys.has(metadata[0]![0])));
  if (stable) dialect.markPrepared?.(compiled.sql);
  const { rows } = await db.executeQuery(compiled);
  const items = rows.slice(0, limit).map(toRecord);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodePageCursor({
            sortBy,
            sortOrder,
            value: sortBy === 'id' ? last.id : last[sortBy].getTime(),
            id: last.id,
          })
        : null,
  };
}

/** The page statement for a compiled filter condition (`condition`, on conversation alias `c`). */
function pageQuery(
  dialect: KyselyStoreDialect,
  { sortBy, sortOrder, limit, offset, cursor }: NormalizedListOptions,
  condition: RawBuilder<SqlBool>,
): RawBuilder<ConversationRow> {
  const column = sql.ref(`c.${sortColumns[sortBy]}`);
  const direction = sql.raw(sortOrder === 'asc' ? 'ASC' : 'DESC');
  const comparison = sql.raw(sortOrder === 'asc' ? '>' : '<');
  const conditions = [condition];
  if (cursor !== undefined) {
    conditions.push(
      sortBy === 'id'
        ? sql<SqlBool>`c.id ${comparison} ${cursor.id}`
        : sql<SqlBool>`(${column}, c.id) ${comparison} (${cursor.value}, ${cursor.id})`,
    );
  }
  return sql<ConversationRow>`SELECT ${conversationColumns(dialect, 'c')}
    FROM ${dialect.table('dk_conversations')} c WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${column} ${direction}${sortBy === 'id' ? sql`` : sql`, c.id ${direction}`}
    LIMIT ${limit + 1} OFFSET ${offset}`;
}
