import { RagSearchError } from '@dk/spec';
import type { SearchOptions } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import type { RagAdapter } from './rag-adapter.js';
import { defaultRagEmptyText } from './rag-config.js';
import { runRagSearches } from './run-rag-searches.js';

/** An adapter that never answers and ignores its signal: the worst case a deadline must handle. */
function hung(): RagAdapter & { readonly calls: (SearchOptions | undefined)[] } {
  const calls: (SearchOptions | undefined)[] = [];
  return {
    calls,
    search: (_query, options) => {
      calls.push(options);
      return new Promise(() => {});
    },
  };
}

describe('RAG search deadlines', () => {
  it('fails a hung search after the config timeout_ms with a typed error (throw policy)', async () => {
    const adapter = hung();
    const running = runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q', timeout_ms: 20 } }],
      adapters: { docs: adapter },
      params: {},
    });
    await expect(running).rejects.toSatisfy(
      (error) =>
        RagSearchError.isInstance(error) &&
        error.code === 'RAG_SEARCH_TIMEOUT' &&
        error.adapterName === 'docs' &&
        /timed out after 20 ms/.test(error.message),
    );
    // The adapter was given a signal, and it was aborted at the deadline.
    expect(adapter.calls[0]!.signal!.aborted).toBe(true);
  });

  it('under omit, a timeout renders without the content, with a warning and status failed', async () => {
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q' } }],
      adapters: { docs: hung() },
      params: {},
      failurePolicy: 'omit',
      timeoutMs: 20,
    });
    expect(outcome.runs[0]).toMatchObject({ status: 'failed', error: { code: 'RAG_SEARCH_TIMEOUT' } });
    expect(outcome.values['RAG_CONTENT']).toBe(defaultRagEmptyText);
    expect(outcome.warnings[0]).toMatch(/on adapter "docs" failed \(.*timed out after 20 ms/);
  });

  it("rejects with the caller's abort reason even when the adapter ignores its signal", async () => {
    const controller = new AbortController();
    const running = runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q' } }],
      adapters: { docs: hung() },
      params: {},
      failurePolicy: 'omit',
      timeoutMs: Number.POSITIVE_INFINITY,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('user cancelled')), 10);
    await expect(running).rejects.toThrow('user cancelled');
  });

  it('turns a synchronous throw of an adapter into a search failure', async () => {
    const outcome = await runRagSearches({
      requests: [{ config: { adapter_name: 'docs', query: 'q' } }],
      adapters: {
        docs: {
          search: () => {
            throw new Error('not connected');
          },
        },
      },
      params: {},
      failurePolicy: 'omit',
    });
    expect(outcome.runs[0]!.error!.message).toMatch(/not connected/);
  });

  it('rejects timeouts that are not positive integers', async () => {
    await expect(runRagSearches({ requests: [], adapters: {}, params: {}, timeoutMs: -1 })).rejects.toThrow(
      /timeoutMs must be a positive integer number of milliseconds/,
    );
  });
});
