import { describe, expect, it } from 'vitest';
import { DkError } from './dk-error.js';
import { RagSearchError } from './rag-search-error.js';

describe('RagSearchError', () => {
  it('carries the adapter and placeholder, a stable code and the cause', () => {
    const cause = new Error('connection refused');
    const error = new RagSearchError({ message: 'Search failed.', adapterName: 'docs', placeholder: 'DOCS', cause });
    expect(error.name).toBe('RagSearchError');
    expect(error.code).toBe('RAG_SEARCH_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toMatchObject({ adapterName: 'docs', placeholder: 'DOCS' });
    expect(RagSearchError.isInstance(error)).toBe(true);
    expect(DkError.isInstance(error)).toBe(true);
  });

  it('accepts a more specific code', () => {
    const error = new RagSearchError({ message: 'x', adapterName: 'a', code: 'RAG_ADAPTER_NOT_FOUND' });
    expect(error.code).toBe('RAG_ADAPTER_NOT_FOUND');
    expect(error.placeholder).toBeUndefined();
  });
});
