import { calibrateScore, defaultKeywordFalloff, defaultKeywordFullMatch } from './calibrate-score.js';
import { matchesFilters } from './matches-filters.js';
import type { SearchFilters, SearchResult } from '@dk/spec';
import type { ScoredCandidate } from './bm25.js';

/** A stored chunk as {@link pickResults} needs it. */
export interface StoredChunkRow {
  readonly chunkId: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * Turns candidates ranked by BM25 coverage into at most `k` results on dk's score scale
 * ({@link calibrateScore} against the best candidate matching `filters`): loads them in rank
 * order in pages (`load` returns rows for the keys it is given, in any order), keeps those
 * matching `filters` and stops at the first one under `scoreThreshold` (the scale follows
 * the rank order).
 */
export async function pickResults<Key>(
  ranked: readonly ScoredCandidate<Key>[],
  options: {
    readonly k: number;
    readonly scoreThreshold: number | undefined;
    readonly filters: SearchFilters | undefined;
  },
  load: (keys: readonly Key[]) => Promise<Map<Key, StoredChunkRow>> | Map<Key, StoredChunkRow>,
): Promise<SearchResult[]> {
  const { k, scoreThreshold, filters } = options;
  const results: SearchResult[] = [];
  const pageSize = filters === undefined ? k : Math.max(4 * k, 50);
  let best: number | undefined;
  for (let start = 0; start < ranked.length && results.length < k; start += pageSize) {
    const page = ranked.slice(start, start + pageSize);
    const rows = await load(page.map((candidate) => candidate.key));
    for (const candidate of page) {
      const row = rows.get(candidate.key);
      // A row deleted between ranking and loading is skipped.
      if (row === undefined) continue;
      if (filters !== undefined && !matchesFilters(row.metadata, filters)) continue;
      best ??= candidate.score;
      const score = calibrateScore(candidate.score, best, defaultKeywordFullMatch, defaultKeywordFalloff);
      if (scoreThreshold !== undefined && score < scoreThreshold) return results;
      results.push({ id: row.chunkId, content: row.content, score, metadata: row.metadata });
      if (results.length === k) break;
    }
  }
  return results;
}
