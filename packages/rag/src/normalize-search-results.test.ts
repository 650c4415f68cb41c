import { RagSearchError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { normalizeSearchResults } from './normalize-search-results.js';
import { runRagSearches } from './run-rag-searches.js';

const source = { adapterName: 'docs', placeholder: 'RAG_CONTENT' };

describe('normalizeSearchResults', () => {
  it('gives results without id and metadata a content hash id and {}', () => {
    const [first, second] = normalizeSearchResults(
      [
        { content: 'Test result', score: 0.9 },
        { content: 'Test result', score: 0.5, metadata: { type: 'docs' } },
      ],
      source,
    );
    expect(first).toEqual({ id: first!.id, content: 'Test result', score: 0.9, metadata: {} });
    expect(first!.id).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(second!.id).toBe(first!.id);
    expect(second!.metadata).toEqual({ type: 'docs' });
  });

  it('returns complete results as they are', () => {
    const results = [{ id: 'a', content: 'x', score: 1, metadata: {} }];
    expect(normalizeSearchResults(results, source)).toBe(results);
  });

  it.each([
    [undefined, /returned undefined/],
    [{ content: 'x' }, /returned object/],
    [[null], /null as result 0/],
    [[{ score: 0.5 }], /result 0 without a string `content`/],
    [[{ content: 'x', score: '0.5' }], /`score` is the string "0.5", not a finite number/],
    [[{ content: 'x', score: Number.NaN }], /`score` is number, not a finite number/],
    [[{ content: 'x', score: 1, id: 7 }], /`id` is number, not a string/],
    [[{ content: 'x', score: 1, metadata: [] }], /`metadata` is an array, not an object/],
  ])('refuses %j with a typed error naming the adapter and the field', (returned, message) => {
    let caught: unknown;
    try {
      normalizeSearchResults(returned, source);
    } catch (error) {
      caught = error;
    }
    expect(RagSearchError.isInstance(caught)).toBe(true);
    expect((caught as RagSearchError).code).toBe('RAG_RESULT_INVALID');
    expect((caught as Error).message).toMatch(/^RAG adapter "docs" returned /);
    expect((caught as Error).message).toMatch(message);
  });

  it('makes an unusable result a search failure that follows the policy', async () => {
    const adapters = { docs: { search: async () => [{ text: 'no content field', score: 1 }] as never } };
    const requests = [{ config: { adapter_name: 'docs', query: 'q' } }];
    await expect(runRagSearches({ requests, adapters, params: {} })).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_RESULT_INVALID',
    );
    const omitted = await runRagSearches({ requests, adapters, params: {}, failurePolicy: 'omit' });
    expect(omitted.runs[0]).toMatchObject({ status: 'failed', error: { code: 'RAG_RESULT_INVALID' } });
  });
});
