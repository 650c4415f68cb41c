import { createHash } from 'node:crypto';
import { RagSearchError } from '@dk/spec';
import type { SearchResult } from '@dk/spec';

/** Where a result list came from, for error messages. */
interface ResultSource {
  readonly adapterName: string;
  readonly placeholder: string;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}

function invalid(source: ResultSource, what: string): RagSearchError {
  return new RagSearchError({
    message: `RAG adapter "${source.adapterName}" returned ${what}. search(query, options) must resolve to an array of results shaped { content: string, score: number (0–1), id?: string, metadata?: object }.`,
    adapterName: source.adapterName,
    placeholder: source.placeholder,
    code: 'RAG_RESULT_INVALID',
  });
}

/**
 * Checks what an adapter's `search` returned and fills in what a structural adapter may
 * leave out: `id` defaults to `sha256:` + the first 16 hex digits of the content's SHA-256
 * (stable across searches, so caches and citations can rely on it), `metadata` to `{}`.
 * Results that already have both are returned as they are. Throws {@link RagSearchError}
 * (code `RAG_RESULT_INVALID`) naming the adapter, the result and the field when a result is
 * not usable.
 */
export function normalizeSearchResults(returned: unknown, source: ResultSource): readonly SearchResult[] {
  if (!Array.isArray(returned)) throw invalid(source, describeValue(returned));
  let normalized: SearchResult[] | undefined;
  for (let index = 0; index < returned.length; index++) {
    const result: unknown = returned[index];
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw invalid(source, `${describeValue(result)} as result ${index}`);
    }
    const { content, score, id, metadata } = result as Record<string, unknown>;
    if (typeof content !== 'string') throw invalid(source, `result ${index} without a string \`content\``);
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw invalid(source, `result ${index} whose \`score\` is ${describeValue(score)}, not a finite number`);
    }
    if (id !== undefined && typeof id !== 'string') {
      throw invalid(source, `result ${index} whose \`id\` is ${describeValue(id)}, not a string`);
    }
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
      throw invalid(source, `result ${index} whose \`metadata\` is ${describeValue(metadata)}, not an object`);
    }
    if (id !== undefined && metadata !== undefined) {
      normalized?.push(result as SearchResult);
      continue;
    }
    normalized ??= (returned as SearchResult[]).slice(0, index);
    normalized.push({
      id: id ?? `sha256:${createHash('sha256').update(content, 'utf8').digest('hex').slice(0, 16)}`,
      content,
      score,
      metadata: (metadata as Readonly<Record<string, unknown>> | undefined) ?? {},
    });
  }
  return normalized ?? (returned as SearchResult[]);
}
