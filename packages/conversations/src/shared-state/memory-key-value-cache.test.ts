import { SharedStateInputError } from '@dk/spec';
import { runKeyValueCacheConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { MemoryKeyValueCache } from './memory-key-value-cache.js';

let time = 0;
runKeyValueCacheConformance('memory', {
  createCaches: (count) => {
    const cache = new MemoryKeyValueCache({ now: () => time });
    return Array.from({ length: count }, () => cache);
  },
  wait: (milliseconds) => {
    time += milliseconds;
    return Promise.resolve();
  },
});

describe('MemoryKeyValueCache', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = new MemoryKeyValueCache({ maxEntries: 2 });
    await cache.set({ key: 'a', value: 1 });
    await cache.set({ key: 'b', value: 2 });
    await cache.get({ key: 'a' });
    await cache.set({ key: 'c', value: 3 });
    expect(cache.size).toBe(2);
    expect((await cache.get({ key: 'b' })).status).toBe('miss');
    expect((await cache.get({ key: 'a' })).value).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(() => new MemoryKeyValueCache({ maxEntries: 0 })).toThrow(SharedStateInputError);
    expect(() => new MemoryKeyValueCache({ defaultTtlMs: -1 })).toThrow(/defaultTtlMs/);
  });

  it('keeps a group version alive as long as its entries, so it never restarts under them', async () => {
    let now = 0;
    const cache = new MemoryKeyValueCache({ now: () => now, versionTtlMs: 1000 });
    await cache.invalidate({ group: 'g' });
    await cache.set({ group: 'g', key: 'k', value: 'v1', ttlMs: 10_000 });
    now += 5000; // past the version's own TTL, within the entry's
    expect(await cache.get({ group: 'g', key: 'k' })).toMatchObject({ status: 'hit', version: 1 });
    now += 6000; // both gone
    expect(await cache.get({ group: 'g', key: 'k' })).toMatchObject({ status: 'miss', version: 0 });
  });
});
