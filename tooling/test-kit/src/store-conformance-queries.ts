import { InvalidFilterError } from '@dk/spec';
import type { ConversationStore } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { build, expectDkError, ids, message, sleep } from './store-conformance-helpers.js';

/** Optional store features; a store without one still passes the rest of the suite. */
export interface StoreCapabilities {
  /**
   * `text` filters and `search()`. Default `true`. When `false`, the suite checks instead
   * that a text condition is refused with `InvalidFilterError` (field `text`), never ignored.
   */
  readonly textSearch?: boolean;
}

/** What the parts of the store suite share: the store of the running test and the capabilities. */
export interface StoreSuiteContext {
  readonly store: () => ConversationStore;
  readonly capabilities: Required<StoreCapabilities>;
}

/** The listing, counting, text search and deletion part of the store conformance suite. */
export function describeStoreQueries(context: StoreSuiteContext): void {
  describe('list and count', () => {
    async function seed(): Promise<void> {
      const store = context.store();
      const rows: [string, Record<string, unknown>, string][] = [
        ['a', { userId: 'u1', tier: 'pro', score: 1, active: true, note: null }, '2024-01-01T00:00:00.000Z'],
        ['b', { userId: 'u1', tier: 'free', score: 2, active: false }, '2024-01-02T00:00:00.000Z'],
        ['c', { userId: 'u2', tier: 'pro', score: '1', active: 1 }, '2024-01-03T00:00:00.000Z'],
        ['d', { userId: 'u2', tier: 'pro', nested: { tier: 'free' } }, '2024-01-04T00:00:00.000Z'],
        ['e', {}, '2024-01-05T00:00:00.000Z'],
      ];
      for (const [id, metadata, created] of rows) await store.create({ id, metadata, createdAt: new Date(created) });
    }

    it('filters by metadata equality on top-level keys, AND-ed, with types kept apart', async () => {
      const store = context.store();
      await seed();
      const list = async (metadata: Record<string, string | number | boolean | null>): Promise<string[]> =>
        ids(await store.list({ metadata, sortBy: 'id', sortOrder: 'asc' })).sort();
      expect(await list({ userId: 'u1' })).toEqual(['a', 'b']);
      expect(await list({ tier: 'pro' })).toEqual(['a', 'c', 'd']);
      expect(await list({ userId: 'u2', tier: 'pro' })).toEqual(['c', 'd']);
      expect(await list({ score: 1 })).toEqual(['a']);
      expect(await list({ score: '1' })).toEqual(['c']);
      expect(await list({ active: true })).toEqual(['a']);
      expect(await list({ active: false })).toEqual(['b']);
      expect(await list({ active: 1 })).toEqual(['c']);
      expect(await list({ note: null })).toEqual(['a']);
      expect(await list({ userId: 'nobody' })).toEqual([]);
      expect(await list({})).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(await store.count({ metadata: { tier: 'pro' } })).toBe(3);
      expect(await store.count()).toBe(5);
      expect(await store.count({ metadata: { tier: 'free' } })).toBe(1);
    });

    it('filters by half-open created and updated time ranges', async () => {
      const store = context.store();
      await seed();
      const range = await store.list({
        createdAfter: new Date('2024-01-02T00:00:00.000Z'),
        createdBefore: new Date('2024-01-04T00:00:00.000Z'),
        sortBy: 'createdAt',
        sortOrder: 'asc',
      });
      expect(ids(range)).toEqual(['b', 'c']);
      expect(await store.count({ createdBefore: new Date('2024-01-03T00:00:00.000Z') })).toBe(2);
      const before = new Date();
      await sleep(5);
      await store.updateConversation({ conversationId: 'c', expectedVersion: 1, metadata: { touched: true } });
      expect(ids(await store.list({ updatedAfter: before }))).toEqual(['c']);
      expect(await store.count({ updatedBefore: before })).toBe(4);
      expect(await store.count({ updatedAfter: before, metadata: { touched: true } })).toBe(1);
    });

    it('sorts by createdAt, updatedAt and id in both directions', async () => {
      const store = context.store();
      await seed();
      expect(ids(await store.list({ sortBy: 'createdAt', sortOrder: 'asc' }))).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(ids(await store.list({ sortBy: 'createdAt', sortOrder: 'desc' }))).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(ids(await store.list({ sortBy: 'id' }))).toEqual(['e', 'd', 'c', 'b', 'a']);
      await sleep(5);
      await store.appendNode({ conversationId: 'b', parentId: null, node: message('hello') });
      await sleep(5);
      await store.appendNode({ conversationId: 'd', parentId: null, node: message('hello') });
      const byUpdate = ids(await store.list());
      expect(byUpdate.slice(0, 2)).toEqual(['d', 'b']);
      expect(ids(await store.list({ sortBy: 'updatedAt', sortOrder: 'asc' })).slice(-2)).toEqual(['b', 'd']);
    });

    it('breaks sort ties by id', async () => {
      const store = context.store();
      const same = new Date('2024-06-01T00:00:00.000Z');
      for (const id of ['k2', 'k1', 'k3']) await store.create({ id, createdAt: same });
      expect(ids(await store.list({ sortBy: 'createdAt', sortOrder: 'asc' }))).toEqual(['k1', 'k2', 'k3']);
      expect(ids(await store.list({ sortBy: 'createdAt', sortOrder: 'desc' }))).toEqual(['k3', 'k2', 'k1']);
    });

    it('pages with limit and offset', async () => {
      const store = context.store();
      await seed();
      const page = await store.list({ sortBy: 'id', sortOrder: 'asc', limit: 2, offset: 2 });
      expect(ids(page)).toEqual(['c', 'd']);
      expect(page.nextCursor).not.toBeNull();
      const last = await store.list({ sortBy: 'id', sortOrder: 'asc', limit: 2, offset: 4 });
      expect(ids(last)).toEqual(['e']);
      expect(last.nextCursor).toBeNull();
      expect(ids(await store.list({ sortBy: 'id', sortOrder: 'asc', offset: 10 }))).toEqual([]);
    });

    it('pages with cursors through every row exactly once, for every sort', async () => {
      const store = context.store();
      const base = Date.parse('2024-03-01T00:00:00.000Z');
      for (let index = 0; index < 23; index += 1) {
        // Groups of three share a creation time, so cursors must break ties by id.
        await store.create({
          id: `p${String(index).padStart(2, '0')}`,
          createdAt: new Date(base + Math.floor(index / 3) * 1000),
          metadata: { even: index % 2 === 0 },
        });
      }
      for (const sortBy of ['createdAt', 'updatedAt', 'id'] as const) {
        for (const sortOrder of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pageIndex = 0; pageIndex < 10; pageIndex += 1) {
            const page = await store.list({
              sortBy,
              sortOrder,
              limit: 4,
              ...(cursor === undefined ? {} : { cursor }),
            });
            seen.push(...ids(page));
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          const all = ids(await store.list({ sortBy, sortOrder, limit: 1000 }));
          expect(seen).toEqual(all);
          expect(new Set(seen).size).toBe(23);
        }
      }
      const filtered: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({
          metadata: { even: true },
          sortBy: 'id',
          sortOrder: 'asc',
          limit: 5,
          ...(cursor === undefined ? {} : { cursor }),
        });
        filtered.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(filtered).toHaveLength(12);
    });

    it('rejects malformed filters and pagination with InvalidFilterError', async () => {
      const store = context.store();
      await seed();
      const first = await store.list({ sortBy: 'id', limit: 1 });
      const bad: [Record<string, unknown>, string][] = [
        [{ limit: 0 }, 'limit'],
        [{ limit: 1001 }, 'limit'],
        [{ limit: 1.5 }, 'limit'],
        [{ offset: -1 }, 'offset'],
        [{ sortBy: 'title' }, 'sortBy'],
        [{ sortOrder: 'up' }, 'sortOrder'],
        [{ cursor: 'not-a-cursor' }, 'cursor'],
        [{ sortBy: 'createdAt', cursor: first.nextCursor }, 'cursor'],
        [{ sortBy: 'id', cursor: first.nextCursor, offset: 3 }, 'offset'],
        [{ metadata: { 'bad key"': 1 } }, 'metadata.bad key"'],
        [{ metadata: { k: { nested: 1 } } }, 'metadata.k'],
        [{ metadata: { k: [1] } }, 'metadata.k'],
        [{ metadata: 'x' }, 'metadata'],
        [{ createdAfter: '2024-01-01' }, 'createdAfter'],
        [{ text: '  ...  ' }, 'text'],
      ];
      for (const [options, field] of bad) {
        await expectDkError(store.list(options as never), InvalidFilterError, { field });
      }
      await expectDkError(store.count({ metadata: { k: Number.NaN } }), InvalidFilterError);
    });
  });

  describe.runIf(context.capabilities.textSearch)('search', () => {
    it('finds conversations with one node containing every word, in any branch, case-insensitively', async () => {
      const store = context.store();
      await store.create({ id: 's1', metadata: { team: 'x' } });
      await store.create({ id: 's2', metadata: { team: 'y' } });
      await store.create({ id: 's3', metadata: { team: 'x' } });
      await build(store, 's1', [
        [null, 'You are helpful.'],
        ['', 'What is the Weather in Paris?'],
        ['', 'Tell me a joke'],
      ]);
      await build(store, 's2', [
        [null, 'weather report'],
        ['', 'paris is lovely in spring'],
      ]);
      await build(store, 's3', [
        [null, 'Un café crème, s’il vous plaît'],
        ['', 'ordinary words'],
      ]);
      const search = async (text: string, extra: Record<string, unknown> = {}): Promise<string[]> =>
        ids(await store.search({ text, sortBy: 'id', sortOrder: 'asc', ...extra }));
      expect(await search('weather')).toEqual(['s1', 's2']);
      expect(await search('WEATHER paris')).toEqual(['s1']);
      expect(await search('joke')).toEqual(['s1']);
      expect(await search('CAFÉ crème')).toEqual(['s3']);
      expect(await search('weather', { metadata: { team: 'y' } })).toEqual(['s2']);
      expect(await search('nothing-matches-this')).toEqual([]);
      expect(await search('weather', { limit: 1 })).toEqual(['s1']);
      expect(await search('weather', { limit: 1, offset: 1 })).toEqual(['s2']);
      expect(ids(await store.list({ text: 'lovely', sortBy: 'id' }))).toEqual(['s2']);
      expect(await store.count({ text: 'weather' })).toBe(2);
      await expectDkError(store.search({ text: '' }), InvalidFilterError, { field: 'text' });
    });

    it('sees nodes appended after earlier searches and forgets deleted conversations', async () => {
      const store = context.store();
      await store.create({ id: 'late' });
      await build(store, 'late', [[null, 'first words']]);
      expect(await store.count({ text: 'zebra' })).toBe(0);
      await store.appendNode({ conversationId: 'late', parentId: '', node: message('a Zebra appears') });
      expect(await store.count({ text: 'zebra' })).toBe(1);
      await store.delete({ conversationId: 'late' });
      expect(await store.count({ text: 'zebra' })).toBe(0);
    });
  });

  describe.skipIf(context.capabilities.textSearch)('without text search', () => {
    it('refuses text conditions with InvalidFilterError instead of ignoring them', async () => {
      const store = context.store();
      await store.create({ id: 'plain' });
      await build(store, 'plain', [[null, 'weather report']]);
      await expectDkError(store.search({ text: 'weather' }), InvalidFilterError, { field: 'text' });
      await expectDkError(store.list({ text: 'weather' }), InvalidFilterError, { field: 'text' });
      await expectDkError(store.count({ text: 'weather' }), InvalidFilterError, { field: 'text' });
      await expectDkError(store.deleteMany({ text: 'weather' }), InvalidFilterError, { field: 'text' });
      expect(await store.count()).toBe(1);
    });
  });

  describe('deletion', () => {
    it('deletes one conversation with its nodes', async () => {
      const store = context.store();
      await store.create({ id: 'd1' });
      await store.create({ id: 'd2' });
      await build(store, 'd1', [
        [null, 'r'],
        ['', 'a'],
      ]);
      await build(store, 'd2', [[null, 'r']]);
      expect(await store.delete({ conversationId: 'd1' })).toBe(true);
      expect(await store.delete({ conversationId: 'd1' })).toBe(false);
      expect(await store.get({ conversationId: 'd1' })).toBeUndefined();
      expect(await store.getNode({ conversationId: 'd1', nodeId: '0' })).toBeUndefined();
      expect((await store.load({ conversationId: 'd2' }))?.nodes).toHaveLength(1);
      await store.create({ id: 'd1' });
      expect((await store.load({ conversationId: 'd1' }))?.nodes).toEqual([]);
    });

    it('refuses a bulk delete without conditions and deletes exactly the matches otherwise', async () => {
      const store = context.store();
      for (const [id, tier, created] of [
        ['m1', 'free', '2024-01-01T00:00:00.000Z'],
        ['m2', 'free', '2024-02-01T00:00:00.000Z'],
        ['m3', 'pro', '2024-01-15T00:00:00.000Z'],
      ] as const) {
        await store.create({ id, metadata: { tier }, createdAt: new Date(created) });
      }
      await build(store, 'm1', [[null, 'bye']]);
      await expectDkError(store.deleteMany({}), InvalidFilterError, { field: 'filter' });
      await expectDkError(store.deleteMany({ metadata: {} }), InvalidFilterError, { field: 'filter' });
      await expectDkError(store.deleteMany(undefined as never), InvalidFilterError, { field: 'filter' });
      expect(await store.count()).toBe(3);
      expect(
        await store.deleteMany({ metadata: { tier: 'free' }, createdBefore: new Date('2024-01-20T00:00:00.000Z') }),
      ).toBe(1);
      expect(ids(await store.list({ sortBy: 'id', sortOrder: 'asc' }))).toEqual(['m2', 'm3']);
      expect(await store.getNode({ conversationId: 'm1', nodeId: '' })).toBeUndefined();
      expect(await store.deleteMany({ createdBefore: new Date('2100-01-01T00:00:00.000Z') })).toBe(2);
      expect(await store.count()).toBe(0);
    });
  });
}
