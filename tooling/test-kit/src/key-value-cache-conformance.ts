import { SharedStateInputError } from '@dk/spec';
import type { KeyValueCache } from '@dk/spec';
import { describe, expect, it } from 'vitest';

/** How the key-value cache conformance suite obtains caches. */
export interface KeyValueCacheConformanceOptions {
  /** Returns `count` caches that share one fresh, empty state (separate clients of one backend, or one instance). */
  readonly createCaches: (count: number) => Promise<readonly KeyValueCache[]> | readonly KeyValueCache[];
  /** Lets `milliseconds` pass for the caches (advance a fake clock, or sleep). */
  readonly wait: (milliseconds: number) => Promise<void>;
  /** Disposes of what `createCaches` made (after every test). Default: nothing. */
  readonly destroy?: () => Promise<void>;
  /** Skip the whole suite (a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}

/**
 * The `KeyValueCache` conformance suite: every implementation (memory, Redis, Redis Cluster)
 * runs it unchanged. Covers JSON values, TTLs, deletion, versioned groups (stale entries,
 * conditional sets that lose to an invalidation), key spaces that never collide, input checks
 * and atomic invalidation under concurrency.
 */
export function runKeyValueCacheConformance(name: string, options: KeyValueCacheConformanceOptions): void {
  describe.skipIf(options.skip === true)(`KeyValueCache conformance: ${name}`, () => {
    const dispose = async (): Promise<void> => options.destroy?.();

    it('stores JSON values, hands out copies, and deletes', async () => {
      const [cache] = await options.createCaches(1);
      try {
        expect(cache!.specificationVersion).toBe('v1');
        expect(typeof cache!.provider).toBe('string');
        expect(['failOpen', 'failClosed']).toContain(cache!.failurePolicy);
        expect(await cache!.get({ key: 'q' })).toEqual({
          status: 'miss',
          value: undefined,
          version: undefined,
          degraded: false,
        });
        const value = { text: 'Ünïcödé 🦊', list: [1, null, { deep: true }], when: new Date(0), skip: undefined };
        expect(await cache!.set({ key: 'q', value })).toBe(true);
        value.list.push(2);
        const found = await cache!.get({ key: 'q' });
        expect(found).toEqual({
          status: 'hit',
          value: { text: 'Ünïcödé 🦊', list: [1, null, { deep: true }], when: '1970-01-01T00:00:00.000Z' },
          version: undefined,
          degraded: false,
        });
        (found.value as { list: unknown[] }).list.push('mutated');
        expect(((await cache!.get({ key: 'q' })).value as { list: unknown[] }).list).toHaveLength(3);
        for (const scalar of ['text', 0, false, null]) {
          await cache!.set({ key: 'scalar', value: scalar });
          expect((await cache!.get({ key: 'scalar' })).value).toBe(scalar);
        }
        expect(await cache!.delete({ key: 'q' })).toBe(true);
        expect(await cache!.delete({ key: 'q' })).toBe(false);
        expect((await cache!.get({ key: 'q' })).status).toBe('miss');
      } finally {
        await dispose();
      }
    });

    it('expires entries after their TTL', async () => {
      const [cache] = await options.createCaches(1);
      try {
        await cache!.set({ key: 'short', value: 1, ttlMs: 40 });
        await cache!.set({ key: 'long', value: 2, ttlMs: 600_000 });
        await cache!.set({ key: 'forever', value: 3, ttlMs: Infinity });
        await cache!.set({ group: 'g', key: 'short', value: 4, ttlMs: 40 });
        await options.wait(100);
        expect((await cache!.get({ key: 'short' })).status).toBe('miss');
        expect((await cache!.get({ group: 'g', key: 'short' })).status).toBe('miss');
        expect((await cache!.get({ key: 'long' })).value).toBe(2);
        expect((await cache!.get({ key: 'forever' })).value).toBe(3);
      } finally {
        await dispose();
      }
    });

    it('tells stale entries by their group version and refuses sets that lost to an invalidation', async () => {
      const [cache] = await options.createCaches(1);
      try {
        const reference = { group: 'conversation-1', key: 'record' };
        const miss = await cache!.get(reference);
        expect(miss).toEqual({ status: 'miss', value: undefined, version: 0, degraded: false });
        expect(await cache!.set({ ...reference, value: 'v0', version: 0 })).toBe(true);
        expect(await cache!.get(reference)).toEqual({ status: 'hit', value: 'v0', version: 0, degraded: false });

        expect(await cache!.invalidate({ group: 'conversation-1' })).toEqual({ version: 1, degraded: false });
        expect(await cache!.get(reference)).toEqual({ status: 'stale', value: 'v0', version: 1, degraded: false });
        // A reader that read version 1, then lost the race to a writer, must not store its value.
        expect(await cache!.invalidate({ group: 'conversation-1' })).toEqual({ version: 2, degraded: false });
        expect(await cache!.set({ ...reference, value: 'old', version: 1 })).toBe(false);
        expect(await cache!.set({ ...reference, value: 'future', version: 3 })).toBe(false);
        expect((await cache!.get(reference)).value).toBe('v0');
        expect(await cache!.set({ ...reference, value: 'v2', version: 2 })).toBe(true);
        expect(await cache!.get(reference)).toEqual({ status: 'hit', value: 'v2', version: 2, degraded: false });
        // Without a version condition an entry is written under the current version.
        await cache!.set({ group: 'conversation-1', key: 'path:0', value: [1] });
        expect(await cache!.get({ group: 'conversation-1', key: 'path:0' })).toMatchObject({
          status: 'hit',
          version: 2,
        });
        // Other groups are untouched; a group's entries can still be deleted one by one.
        await cache!.set({ group: 'conversation-2', key: 'record', value: 'other' });
        await cache!.invalidate({ group: 'conversation-1' });
        expect(await cache!.get({ group: 'conversation-2', key: 'record' })).toMatchObject({
          status: 'hit',
          version: 0,
        });
        expect(await cache!.delete({ group: 'conversation-1', key: 'record' })).toBe(true);
        expect((await cache!.get(reference)).status).toBe('miss');
      } finally {
        await dispose();
      }
    });

    it('keeps groups, keys and ungrouped keys apart, whatever characters they hold', async () => {
      const [cache] = await options.createCaches(1);
      try {
        const references = [
          { key: 'ab:c' },
          { group: 'ab', key: 'c' },
          { group: 'a', key: 'b:c' },
          { group: 'ab:c', key: 'x' },
          { group: 'a}b{', key: '{c}' },
          { group: 'a}b{c', key: '}' },
          { group: 'ünï cödé', key: '🦊' },
        ];
        for (const [index, reference] of references.entries()) await cache!.set({ ...reference, value: index });
        for (const [index, reference] of references.entries()) {
          expect((await cache!.get(reference)).value, JSON.stringify(reference)).toBe(index);
        }
        await cache!.invalidate({ group: 'ab' });
        expect((await cache!.get({ group: 'ab', key: 'c' })).status).toBe('stale');
        expect((await cache!.get({ group: 'ab:c', key: 'x' })).status).toBe('hit');
        expect((await cache!.get({ key: 'ab:c' })).status).toBe('hit');
      } finally {
        await dispose();
      }
    });

    it('moves a group version on once for each of many concurrent invalidations from several clients', async () => {
      const caches = await options.createCaches(4);
      try {
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, index) => caches[index % caches.length]!.invalidate({ group: 'busy' })),
        );
        expect(new Set(results.map((result) => result.version)).size).toBe(60);
        expect((await caches[2]!.get({ group: 'busy', key: 'k' })).version).toBe(60);
      } finally {
        await dispose();
      }
    });

    it('refuses malformed calls with SharedStateInputError', async () => {
      const [cache] = await options.createCaches(1);
      try {
        const attempts: [() => Promise<unknown>, string][] = [
          [() => cache!.get({ key: '' }), 'key'],
          [() => cache!.get({ group: '', key: 'k' }), 'group'],
          [() => cache!.set({ key: 'k', value: 1, ttlMs: 0 }), 'ttlMs'],
          [() => cache!.set({ key: 'k', value: 1, version: 0 }), 'version'],
          [() => cache!.set({ group: 'g', key: 'k', value: 1, version: -1 }), 'version'],
          [() => cache!.set({ key: 'k', value: 10n }), 'value'],
          [() => cache!.set({ key: 'k', value: undefined }), 'value'],
          [() => cache!.invalidate({ group: '' }), 'group'],
        ];
        for (const [attempt, field] of attempts) {
          const error = await Promise.resolve()
            .then(attempt)
            .catch((caught: unknown) => caught);
          expect(SharedStateInputError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
          expect((error as SharedStateInputError).field).toBe(field);
        }
      } finally {
        await dispose();
      }
    });
  });
}
