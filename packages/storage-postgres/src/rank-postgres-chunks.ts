import type { SearchResult } from '@dk/spec';
import type { StoreExecutor } from '@dk/storage-kysely';
import { compareScoredCandidates, defaultBm25B, defaultBm25K1, matchesFilters, pickResults } from '@dk/storage-utils';
import type { ScoredCandidate, StoredChunkRow, ValidatedSearchOptions } from '@dk/storage-utils';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import { planPostgresPruning } from './plan-postgres-pruning.js';

/** Where {@link rankPostgresChunks} searches. */
export interface RankTarget {
  /** `<schema>.dk_search_chunks`. */
  readonly chunks: RawBuilder<unknown>;
  /** `<schema>.dk_search_stats`. */
  readonly stats: RawBuilder<unknown>;
  readonly collection: string;
  readonly language: string;
}

/** Whether the search was cancelled (checked between statements; the caller rethrows the reason). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** π²/6: PostgreSQL's ts_rank divides a lexeme's position sum by it. */
const zeta2 = 1.64493406685;

interface HeadRow {
  readonly lexeme: string;
  readonly operand: string;
  readonly n: number;
  readonly average: number;
  readonly df: string;
}

interface RankedRow {
  readonly seq: string;
  readonly chunk_id: string;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  readonly coverage: number;
  readonly raw: number;
}

/**
 * Top-k keyword search inside PostgreSQL, with dk's BM25 coverage computed by the server
 * over the tsvectors and the engine returning only the best rows (`ORDER BY … LIMIT`):
 *
 * 1. One statement reads the query's lexemes, the collection's size and average length, and
 *    each lexeme's document frequency (a GIN index count; without the collection condition
 *    when the collection is alone in its schema).
 * 2. Pruning (`planPostgresPruning`): a chunk's coverage is at most the idf sum of the query
 *    lexemes it contains, so a ranking of only the chunks matching a pruned tsquery is the
 *    exact top k when its k-th coverage beats the bound every other chunk stays under. The
 *    second statement tries, in order, the chunks holding enough lexemes together to reach
 *    what about 2k chunks are expected to reach (a boolean tsquery: the GIN index visits only
 *    those), then the chunks holding a lexeme rarer than the most common ones (MaxScore),
 *    then every chunk holding a lexeme; each runs only when the ones before it failed their
 *    verdict. With `filters` (applied to ranked rows) every matching chunk is ranked, a page
 *    at a time.
 *
 * The pruning is exact: ranking and scores equal a full evaluation (and those of
 * `InMemorySearchAdapter` for text both tokenise alike).
 */
export async function rankPostgresChunks(
  db: StoreExecutor,
  target: RankTarget,
  query: string,
  options: ValidatedSearchOptions,
  signal: AbortSignal | undefined,
): Promise<SearchResult[]> {
  const { chunks, stats, collection, language } = target;
  const { k, filters } = options;
  const head = (
    await sql<HeadRow>`WITH stats AS MATERIALIZED (
        SELECT s.chunk_count::float8 AS n, s.token_total::float8 / s.chunk_count AS average,
               NOT EXISTS (SELECT 1 FROM ${stats} AS o WHERE o.chunk_count > 0 AND o.collection <> ${collection}) AS alone
          FROM ${stats} AS s WHERE s.collection = ${collection} AND s.chunk_count > 0)
      SELECT q.lexeme, o.operand, stats.n, stats.average, CASE WHEN stats.alone
               THEN (SELECT count(*) FROM ${chunks} AS c WHERE c.tsv @@ o.operand::tsquery)
               ELSE (SELECT count(*) FROM ${chunks} AS c WHERE c.tsv @@ o.operand::tsquery AND c.collection = ${collection})
             END::text AS df
        FROM stats, unnest(to_tsvector(${language}::regconfig, ${query})) AS q
             -- The lexeme as a quoted tsquery operand: user text never becomes tsquery syntax.
             CROSS JOIN LATERAL (SELECT chr(39) || replace(replace(q.lexeme, chr(92), repeat(chr(92), 2)), chr(39),
               repeat(chr(39), 2)) || chr(39) AS operand) AS o`.execute(db)
  ).rows;
  if (head.length === 0 || aborted(signal)) return [];
  const { n, average } = head[0]!;
  const terms = head.map((row) => row.lexeme);
  const idf = head.map((row) => Math.log(1 + (n - Number(row.df) + 0.5) / (Number(row.df) + 0.5)));
  const total = idf.reduce((sum, value) => sum + value, 0);
  const present = head.flatMap((row, index) =>
    Number(row.df) > 0 ? [{ operand: row.operand, idf: idf[index]!, df: Number(row.df) }] : [],
  );
  if (present.length === 0) return [];
  const k1 = defaultBm25K1;
  const b = defaultBm25B;

  // Each lexeme's frequency in a chunk, from ts_rank of that lexeme alone with every weight 1:
  // PostgreSQL's rank of one lexeme occurring tf times is Σ_{j=1..tf} 1/j² / (π²/6), so
  // tf = round(1 / (π²/6 − π²/6 · rank) − 1/2), exact up to the 255 positions a tsvector keeps.
  // A few C calls per chunk, where unnesting the tsvector costs a set per chunk.
  const frequencies = sql.join(
    terms.map(
      (_, index) =>
        sql`round(1 / (${zeta2}::float8 - ${zeta2}::float8 * ts_rank('{1,1,1,1}', c.tsv, ${head[index]!.operand}::tsquery))
          - 0.5) AS ${sql.ref(`tf${index}`)}`,
    ),
  );
  const factors = sql.join(
    terms.map(
      (_, index) =>
        sql`t.${sql.ref(`tf${index}`)} * ${k1 + 1}::float8 / (t.${sql.ref(`tf${index}`)} + ${k1 * (1 - b)}::float8
          + ${(k1 * b) / average}::float8 * c.token_count) AS ${sql.ref(`f${index}`)}`,
    ),
  );
  const coverage = sql.join(
    terms.map((_, index) => sql`${idf[index]!}::float8 * least(1, f.${sql.ref(`f${index}`)})`),
    sql` + `,
  );
  const raw = sql.join(
    terms.map((_, index) => sql`${idf[index]!}::float8 * f.${sql.ref(`f${index}`)}`),
    sql` + `,
  );
  // The chunks matching `candidates` (a tsquery), ranked by coverage (every query lexeme counted).
  const ranked = (candidates: string, limit: number, offset: number) =>
    sql`SELECT c.seq::text AS seq, c.chunk_id, c.content, c.metadata, s.coverage, s.raw
        FROM ${chunks} AS c
             CROSS JOIN LATERAL (SELECT ${frequencies} OFFSET 0) AS t
             CROSS JOIN LATERAL (SELECT ${factors}) AS f
             CROSS JOIN LATERAL (SELECT ${coverage} AS coverage, ${raw} AS raw) AS s
       WHERE c.collection = ${collection} AND c.tsv @@ ${candidates}::tsquery
       ORDER BY s.coverage DESC, s.raw DESC, c.seq LIMIT ${limit} OFFSET ${offset}`;
  const rank = async (candidates: string, limit: number, offset: number) =>
    (await sql<RankedRow>`${ranked(candidates, limit, offset)}`.execute(db)).rows;
  const everyLexeme = present.map((term) => term.operand).join(' | ');

  const rows = new Map<string, StoredChunkRow>();
  const scored: ScoredCandidate<string>[] = [];
  const keep = (page: readonly RankedRow[]) => {
    for (const row of page) {
      if (rows.has(row.seq)) continue;
      rows.set(row.seq, { chunkId: row.chunk_id, content: row.content, metadata: row.metadata });
      scored.push({ key: row.seq, score: Math.min(1, row.coverage / total), raw: row.raw, order: Number(row.seq) });
    }
  };
  const finish = () => pickResults(scored.sort(compareScoredCandidates), options, () => rows);

  if (filters === undefined) {
    const levels = planPostgresPruning(present, { n, k, total });
    if (levels.length > 0) {
      // One statement: each pruned ranking runs only when every earlier one failed its
      // verdict, the full one only when all did.
      const verdict = (index: number) => sql.ref(`verdict${index}`);
      const ctes = sql.join(
        levels.map(
          (level, index) => sql`${sql.ref(`pruned${index}`)} AS (${ranked(level.query, k, 0)}),
            ${verdict(index)} AS (SELECT count(*) = ${k} AND min(coverage) > ${level.bound}::float8 AS exact
              FROM ${sql.ref(`pruned${index}`)})`,
        ),
      );
      const failed = (count: number) =>
        sql.join(
          levels.slice(0, count).map((_, index) => sql`NOT (SELECT exact FROM ${verdict(index)})`),
          sql` AND `,
        );
      const branches = levels.map((_, index) =>
        index === 0
          ? sql`SELECT * FROM ${sql.ref(`pruned${index}`)} WHERE (SELECT exact FROM ${verdict(index)})`
          : sql`SELECT * FROM ${sql.ref(`pruned${index}`)} WHERE ${failed(index)} AND (SELECT exact FROM ${verdict(index)})`,
      );
      branches.push(sql`SELECT * FROM (${ranked(everyLexeme, k, 0)}) AS every WHERE ${failed(levels.length)}`);
      keep((await sql<RankedRow>`WITH ${ctes} ${sql.join(branches, sql` UNION ALL `)}`.execute(db)).rows);
      return finish();
    }
    keep(await rank(everyLexeme, k, 0));
    return finish();
  }
  let limit = Math.max(4 * k, 50);
  for (let offset = 0; ; offset += limit, limit *= 4) {
    const page = await rank(everyLexeme, limit, offset);
    keep(page);
    if (page.length < limit || aborted(signal)) break;
    const passing = [...rows.values()].filter((row) => matchesFilters(row.metadata, filters)).length;
    if (passing >= k) break;
  }
  return finish();
}
