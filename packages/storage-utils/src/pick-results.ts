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
 * Turns ranked candidates into at most `k` results: drops those under `scoreThreshold`,
 * loads the rest in rank order in pages (`load` returns rows for the keys it is given, in
 * any order) and keeps those matching `filters`.
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
  const eligible =
    scoreThreshold === undefined ? ranked : ranked.filter((candidate) => candidate.score >= scoreThreshold);
  const results: SearchResult[] = [];
  const pageSize = filters === undefined ? k : Math.max(4 * k, 50);
  for (let start = 0; start < eligible.length && results.length < k; start += pageSize) {
    const page = eligible.slice(start, start + pageSize);
    const rows = await load(page.map((candidate) => candidate.key));
    for (const candidate of page) {
      const row = rows.get(candidate.key);
      // A row deleted between ranking and loading is skipped.
      if (row === undefined) continue;
      if (filters !== undefined && !matchesFilters(row.metadata, filters)) continue;
      results.push({ id: row.chunkId, content: row.content, score: candidate.score, metadata: row.metadata });
      if (results.length === k) break;
    }
  }
  return results;
}
