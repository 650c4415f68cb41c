import type { SearchResult } from '@dk/spec';
import {
  Bm25Scorer,
  compareScoredCandidates,
  matchesFilters,
  pickResults,
  planKeywordPruning,
} from '@dk/storage-utils';
import type { ScoredCandidate, StoredChunkRow, ValidatedSearchOptions } from '@dk/storage-utils';
import type Database from 'better-sqlite3';

/** The prepared statements {@link rankSqliteChunks} runs. */
export interface RankStatements {
  readonly stats: Database.Statement;
  readonly indexFrequency: Database.Statement;
  readonly collectionFrequency: Database.Statement;
  readonly top: Database.Statement;
  readonly matching: Database.Statement;
  readonly chunkIdentity: Database.Statement;
  readonly reachingCount: Database.Statement;
  /** Document frequencies by term, valid while `generation` is the database's write generation. */
  readonly frequencies: { generation: string; readonly byTerm: Map<string, number> };
}

interface TopRow {
  readonly rowid: number;
  readonly chunk_id: string;
  readonly content: string;
  readonly metadata: string;
  readonly length: number;
}

/** A row of the `matching` statement: rowid, content, length (its id and metadata are read once picked). */
type MatchingRow = [rowid: number, content: string, length: number];

/**
 * How many of the engine's best chunks are re-scored per requested result: FTS5's `bm25()`
 * orders by its own statistics, dk ranks by BM25 coverage, so the engine's top
 * `max(candidatesPerResult × k, minimumCandidates)` is read and ranked again.
 */
const candidatesPerResult = 10;
const minimumCandidates = 50;
/**
 * Chunks a pruned candidate set may hold, per engine candidate: all of them are read and
 * scored (no engine ranking), which stays cheaper than the engine ranking every chunk that
 * holds any term.
 */
const reachingPerCandidate = 4;
/** How many chunks FTS5 ranks in the time dk reads and scores one (measured at 100,000 chunks). */
const rankingCostShare = 8;

const wordCharacter = /[\p{L}\p{N}]/u;

/** True when the code point at `index` of `text` is a letter or digit (what `tokenize` keeps). */
function isWordCharacter(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0x80)
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a);
  return wordCharacter.test(String.fromCodePoint(text.codePointAt(index)!));
}

/**
 * How often `word` occurs in lower-cased `text` as a whole word, as `tokenize` splits text
 * (runs of letters and digits): each occurrence must have no letter or digit right before or
 * after it. A few `indexOf` scans per chunk, much cheaper than tokenising it or compiling a
 * pattern of the query's terms.
 */
function countWord(text: string, word: string): number {
  let count = 0;
  for (let at = text.indexOf(word); at !== -1;) {
    const end = at + word.length;
    let before = at - 1;
    // The code point before: a low surrogate after a high one belongs to a pair.
    if (
      before > 0 &&
      (text.charCodeAt(before) & 0xfc00) === 0xdc00 &&
      (text.charCodeAt(before - 1) & 0xfc00) === 0xd800
    )
      before -= 1;
    if ((before < 0 || !isWordCharacter(text, before)) && (end >= text.length || !isWordCharacter(text, end))) {
      count += 1;
      at = text.indexOf(word, end);
    } else {
      at = text.indexOf(word, at + 1);
    }
  }
  return count;
}

/**
 * Top-k keyword search inside SQLite: FTS5 returns its best chunks of the collection for the
 * OR of the query terms (`ORDER BY rank LIMIT n`, rank = `bm25()`), and only those are read
 * and scored with dk's BM25 coverage (`Bm25Scorer`: the collection's size and average
 * length, each term's document frequency) and calibrated (`pickResults`). Term frequencies
 * come from counting the query terms as whole words in the lower-cased chunk text, as
 * `tokenize` splits it. When `filters` leave fewer than `k` chunks, the next page of the
 * engine's ranking is read (4× larger each time).
 *
 * Without `filters`, a pruned set comes first (`planKeywordPruning` of `@dk/storage-utils`):
 * the chunks holding enough of the terms together to reach what about 2k chunks are expected
 * to reach, as an FTS5 boolean query. Every other chunk's coverage stays under its bound, so
 * when k of the scored chunks beat it, the OR ranking (which visits every chunk holding any
 * term) is skipped. The set is read and scored whole while it is small (then the result is
 * exact), or FTS5's best n of it are, when FTS5 ranks its chunks as it ranks them in the OR of
 * the terms: its query names every term once and does not nest an AND under an OR (`bm25()`
 * counts a phrase only in the rows its node is positioned on, and an AND under an OR is not
 * positioned on the rows where it fails, though they may hold some of its terms).
 *
 * Document frequencies come from the FTS index's own term statistics (`fts5vocab`, `row`)
 * when the collection is alone in the database, and are counted within the collection when
 * other collections share the index; either way they equal the in-memory adapter's. They are
 * kept per adapter until any connection writes to the database (`total_changes()` and
 * `PRAGMA data_version`).
 */
export async function rankSqliteChunks(
  statements: RankStatements,
  collection: string,
  terms: readonly string[],
  options: ValidatedSearchOptions,
): Promise<SearchResult[]> {
  const stats = statements.stats.get(collection, collection) as
    { count: number; average: number; others: number; generation: string } | undefined;
  if (stats === undefined || stats.count === 0) return [];
  // Reading a document frequency walks the term's whole index entry (as long as FTS5's own
  // ranking takes for it), so they are kept until anything writes to the database.
  const cache = statements.frequencies;
  const generation = `${stats.generation}:${stats.others === 0 ? 'index' : 'collection'}`;
  if (cache.generation !== generation || cache.byTerm.size > 10_000) {
    cache.generation = generation;
    cache.byTerm.clear();
  }
  const documentFrequencies = terms.map((term) => {
    let frequency = cache.byTerm.get(term);
    if (frequency === undefined) {
      const row = (
        stats.others === 0 ? statements.indexFrequency.get(term) : statements.collectionFrequency.get(collection, term)
      ) as { doc: number } | undefined;
      frequency = row?.doc ?? 0;
      cache.byTerm.set(term, frequency);
    }
    return frequency;
  });
  if (documentFrequencies.every((frequency) => frequency === 0)) return [];
  const scorer = new Bm25Scorer({ documentCount: stats.count, averageLength: stats.average, documentFrequencies });
  // Only terms some chunk holds: FTS5 fails on none, and the others match nothing anyway.
  const present = terms.flatMap((term, index) =>
    documentFrequencies[index]! > 0
      ? [{ operand: `"${term.replace(/"/g, '""')}"`, idf: scorer.idf[index]!, df: documentFrequencies[index]! }]
      : [],
  );
  const match = present.map((term) => term.operand).join(' OR ');
  const { k, filters } = options;
  /** The scored chunks by rowid: a `top` row, or the content of a `matching` one. */
  const rows = new Map<number, TopRow | string>();
  // Metadata is parsed only for the chunks that are filtered or returned.
  const parsed = new Map<number, StoredChunkRow>();
  const stored = (rowid: number): StoredChunkRow | undefined => {
    let chunk = parsed.get(rowid);
    if (chunk === undefined) {
      const row = rows.get(rowid)!;
      const identity =
        typeof row === 'string'
          ? (statements.chunkIdentity.get(rowid, collection, row) as { chunk_id: string; metadata: string } | undefined)
          : row;
      // A chunk deleted (or its rowid reused) since `matching` read it is skipped, as pickResults skips a missing row.
      if (identity === undefined) return undefined;
      chunk = {
        chunkId: identity.chunk_id,
        content: typeof row === 'string' ? row : row.content,
        metadata: JSON.parse(identity.metadata) as Record<string, unknown>,
      };
      parsed.set(rowid, chunk);
    }
    return chunk;
  };
  const scored: ScoredCandidate<number>[] = [];
  const raw = new Float64Array(1);
  const capped = new Float64Array(1);
  /** Scores one candidate; true when its coverage is above `bound`. */
  const scoreChunk = (rowid: number, content: string, length: number, bound: number): boolean => {
    const text = content.toLowerCase();
    raw[0] = 0;
    capped[0] = 0;
    for (let term = 0; term < terms.length; term++) {
      const frequency = countWord(text, terms[term]!);
      if (frequency > 0) scorer.accumulate(raw, capped, 0, term, frequency, length);
    }
    scored.push({ key: rowid, score: scorer.score(capped[0]!), raw: raw[0]!, order: rowid });
    return capped[0]! > bound;
  };
  /** Scores a page of `top` rows; returns how many have a coverage above `bound`. */
  const scorePage = (page: readonly TopRow[], bound: number): number => {
    let above = 0;
    for (const row of page) {
      if (scoreChunk(row.rowid, row.content, row.length, bound)) above++;
      rows.set(row.rowid, row);
    }
    return above;
  };
  /** Scores the rows of `matching`; returns how many have a coverage above `bound`. */
  const scoreMatching = (page: readonly MatchingRow[], bound: number): number => {
    let above = 0;
    for (const [rowid, content, length] of page) {
      if (scoreChunk(rowid, content, length, bound)) above++;
      rows.set(rowid, content);
    }
    return above;
  };
  let limit = Math.max(candidatesPerResult * k, minimumCandidates);
  const pruning =
    filters === undefined
      ? planKeywordPruning(present, { n: stats.count, k, syntax: { and: ' AND ', or: ' OR ' } })
      : undefined;
  // Reading and scoring a chunk costs several times what FTS5 spends ranking one: the pruned
  // set is read whole only while it is small next to the chunks the OR ranking visits.
  const visited = present.reduce((sum, term) => sum + term.df, 0);
  const reachingLimit = Math.max(reachingPerCandidate * limit, Math.floor(visited / rankingCostShare));
  const reachingCount =
    pruning === undefined
      ? 0
      : (statements.reachingCount.get(pruning.query, reachingLimit + 1) as { count: number }).count;
  // FTS5 ranks a query by the phrases positioned on each row, so a pruning that names each
  // term once, all under ANDs or all under ORs, ranks its chunks as the OR of the terms does.
  const rankable =
    pruning !== undefined &&
    !(pruning.query.includes(' AND ') && pruning.query.includes(' OR ')) &&
    present.every((term) => pruning.query.split(term.operand).length === 2);
  // The chunks holding enough of the terms together: all of them read and scored when they
  // are few (exact), else FTS5's best n of them when it ranks them as the OR of the terms.
  // Either is kept when k of them beat the bound that every chunk outside stays under.
  const readWhole = reachingCount <= reachingPerCandidate * limit || (!rankable && reachingCount <= reachingLimit);
  const above =
    pruning === undefined || !(readWhole || rankable)
      ? -1
      : readWhole
        ? scoreMatching(
            statements.matching.all(pruning.query, collection, reachingLimit + 1) as MatchingRow[],
            pruning.bound,
          )
        : scorePage(statements.top.all(pruning.query, collection, limit, 0) as TopRow[], pruning.bound);
  if (above < k) {
    scored.length = 0;
    rows.clear();
    for (let offset = 0; ; offset += limit, limit *= 4) {
      const page = statements.top.all(match, collection, limit, offset) as TopRow[];
      scorePage(page, Infinity);
      if (page.length < limit) break;
      if (filters === undefined) break;
      let passing = 0;
      for (const rowid of rows.keys()) if (matchesFilters(stored(rowid)!.metadata, filters)) passing++;
      if (passing >= k) break;
    }
  }
  scored.sort(compareScoredCandidates);
  const load = (keys: readonly number[]) => {
    const chunks = new Map<number, StoredChunkRow>();
    for (const key of keys) {
      const chunk = stored(key);
      if (chunk !== undefined) chunks.set(key, chunk);
    }
    return chunks;
  };
  return pickResults(scored, options, load);
}
