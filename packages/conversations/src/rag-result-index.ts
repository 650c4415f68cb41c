import type { ConversationNode, SearchResult } from '@dk/spec';

function isSearchResult(value: unknown): value is SearchResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  return (
    typeof result['id'] === 'string' &&
    typeof result['content'] === 'string' &&
    typeof result['score'] === 'number' &&
    typeof result['metadata'] === 'object' &&
    result['metadata'] !== null
  );
}

/**
 * RAG results kept on prompt nodes (`cacheRag`), by query hash, from the nodes the manager
 * has seen on an active path. The earliest node wins, so a reused result always points at
 * the node that searched.
 */
export class RagResultIndex {
  readonly #results = new Map<string, { readonly nodeId: string; readonly results: readonly SearchResult[] }>();

  /** The stored results of `queryHash` and the node they came from, or `undefined`. */
  get(queryHash: string): { readonly nodeId: string; readonly results: readonly SearchResult[] } | undefined {
    return this.#results.get(queryHash);
  }

  /** Remembers the results a prompt node kept under `metadata.prompt.rag[].retrieved`. */
  add(node: ConversationNode): void {
    const prompt = node.metadata['prompt'];
    if (typeof prompt !== 'object' || prompt === null) return;
    const runs = (prompt as Record<string, unknown>)['rag'];
    if (!Array.isArray(runs)) return;
    for (const run of runs as unknown[]) {
      if (typeof run !== 'object' || run === null) continue;
      const { queryHash, retrieved } = run as { queryHash?: unknown; retrieved?: unknown };
      if (typeof queryHash !== 'string' || !Array.isArray(retrieved) || this.#results.has(queryHash)) continue;
      const results = (retrieved as unknown[]).filter(isSearchResult);
      if (results.length !== retrieved.length) continue;
      this.#results.set(queryHash, { nodeId: node.id, results });
    }
  }
}
