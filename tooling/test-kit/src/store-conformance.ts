import {
  ConversationConflictError,
  ConversationExistsError,
  ConversationNotFoundError,
  InvalidNodeError,
  NodeNotFoundError,
  StoreClosedError,
} from '@dk/spec';
import type { ConversationRecord, ConversationStore, NewConversationNode } from '@dk/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build as buildIn, expectDkError, message } from './store-conformance-helpers.js';
import { describeStoreQueries } from './store-conformance-queries.js';
import type { StoreCapabilities } from './store-conformance-queries.js';
import { checkTree } from './store-tree-check.js';

/** How the conformance suite obtains and disposes of a fresh, empty store for each test. */
export interface ConversationStoreConformanceOptions {
  /** Returns a new, empty store (its own file, schema or instance). */
  readonly createStore: () => Promise<ConversationStore> | ConversationStore;
  /** Disposes of a store made by `createStore` (drop the schema, delete the file). Default: `store.close()`. */
  readonly destroyStore?: (store: ConversationStore) => Promise<void>;
  /**
   * Opens the same database again after `store` was closed (persistent stores), so the suite
   * can check what a draining `close()` kept. Absent for in-memory stores.
   */
  readonly reopenStore?: (store: ConversationStore) => Promise<ConversationStore> | ConversationStore;
  /** Optional features the store lacks (default: it has them all). */
  readonly capabilities?: StoreCapabilities;
  /** Skip the whole suite (e.g. a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}
export function runConversationStoreConformance(name: string, options: ConversationStoreConformanceOptions): void {
  describe.skipIf(options.skip === true)(`ConversationStore conformance: ${name}`, () => {
    let store: ConversationStore;
    let closed = false;

    beforeEach(async () => {
      store = await options.createStore();
      closed = false;
    });

    afterEach(async () => {
      if (options.destroyStore !== undefined) await options.destroyStore(store);
      else if (!closed) await store.close();
    });

    const build = (conversationId: string, steps: readonly (readonly [string | null, string])[]) =>
      buildIn(store, conversationId, steps);
    const capabilities = { textSearch: true, ...options.capabilities };

    describe('create and get', () => {
      it('creates an empty conversation with version 1 and reads it back', async () => {
        const created = await store.create({ id: 'c1', metadata: { userId: 'u1', tier: 'pro' } });
        expect(created).toMatchObject({
          id: 'c1',
          metadata: { userId: 'u1', tier: 'pro' },
          currentNodeId: null,
          version: 1,
          nodeCount: 0,
        });
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
        expect(await store.get({ conversationId: 'c1' })).toEqual(created);
        expect(await store.load({ conversationId: 'c1' })).toEqual({ conversation: created, nodes: [] });
      });

      it('generates distinct ids when none is given and keeps a given createdAt', async () => {
        const first = await store.create();
        const second = await store.create({ createdAt: new Date('2024-01-02T03:04:05.678Z') });
        expect(first.id).not.toBe(second.id);
        expect(first.id.length).toBeGreaterThan(0);
        expect(first.metadata).toEqual({});
        expect(second.createdAt.toISOString()).toBe('2024-01-02T03:04:05.678Z');
      });

      it('refuses a duplicate id with ConversationExistsError', async () => {
        await store.create({ id: 'dup' });
        await expectDkError(store.create({ id: 'dup' }), ConversationExistsError, { conversationId: 'dup' });
      });

      it('returns undefined for unknown conversations and fails writes with ConversationNotFoundError', async () => {
        expect(await store.get({ conversationId: 'nope' })).toBeUndefined();
        expect(await store.load({ conversationId: 'nope' })).toBeUndefined();
        expect(await store.getNode({ conversationId: 'nope', nodeId: '' })).toBeUndefined();
        await expectDkError(
          store.appendNode({ conversationId: 'nope', parentId: null, node: message('x') }),
          ConversationNotFoundError,
          { conversationId: 'nope' },
        );
        await expectDkError(store.getPath({ conversationId: 'nope', nodeId: '' }), ConversationNotFoundError);
        await expectDkError(store.getChildren({ conversationId: 'nope', nodeId: '' }), ConversationNotFoundError);
        await expectDkError(
          store.updateConversation({ conversationId: 'nope', expectedVersion: 1, metadata: {} }),
          ConversationNotFoundError,
        );
      });

      it('rejects malformed input with InvalidNodeError', async () => {
        await expectDkError(store.create({ id: '' }), InvalidNodeError, { field: 'id' });
        await expectDkError(store.create({ metadata: [] as unknown as Record<string, unknown> }), InvalidNodeError, {
          field: 'metadata',
        });
        await store.create({ id: 'c' });
        const bad: unknown[] = [
          { role: 'robot', content: 'x' },
          { role: 'user', content: 42 },
          { role: 'user', content: 'x', metadata: 'no' },
          { role: 'assistant', content: '', toolCalls: [{ id: 1, name: 'f', arguments: {} }] },
          { role: 'user', content: 'x', createdAt: new Date('nonsense') },
        ];
        for (const node of bad) {
          await expectDkError(
            store.appendNode({ conversationId: 'c', parentId: null, node: node as NewConversationNode }),
            InvalidNodeError,
          );
        }
        expect((await store.get({ conversationId: 'c' }))?.nodeCount).toBe(0);
      });
    });

    describe('tree', () => {
      it('allocates dot-path ids in append order: "", "0", "1", "0.0", "0.1", "1.0"', async () => {
        await store.create({ id: 't' });
        const nodes = await build('t', [
          [null, 'system'],
          ['', 'a'],
          ['', 'b'],
          ['0', 'a.a'],
          ['0', 'a.b'],
          ['1', 'b.a'],
          ['0.1', 'a.b.a'],
          ['', 'c'],
        ]);
        expect(nodes.map((node) => node.id)).toEqual(['', '0', '1', '0.0', '0.1', '1.0', '0.1.0', '2']);
        expect(nodes.map((node) => node.parentId)).toEqual([null, '', '', '0', '0', '1', '0.1', '']);
        expect(nodes.map((node) => node.position)).toEqual([0, 0, 1, 0, 1, 0, 0, 2]);
        expect(nodes.every((node) => node.conversationId === 't')).toBe(true);
        const tree = await store.load({ conversationId: 't' });
        expect(tree?.nodes.map((node) => node.id)).toEqual(['', '0', '1', '0.0', '0.1', '1.0', '0.1.0', '2']);
        expect(tree?.nodes.map((node) => node.content)).toEqual([
          'system',
          'a',
          'b',
          'a.a',
          'a.b',
          'b.a',
          'a.b.a',
          'c',
        ]);
        expect(tree?.conversation.nodeCount).toBe(8);
        checkTree(tree!.nodes);
        const children = await store.getChildren({ conversationId: 't', nodeId: '' });
        expect(children.map((node) => node.id)).toEqual(['0', '1', '2']);
        expect(await store.getChildren({ conversationId: 't', nodeId: '0.0' })).toEqual([]);
        expect(await store.getNode({ conversationId: 't', nodeId: '0.1' })).toEqual(nodes[4]);
      });

      it('reads the path root → node', async () => {
        await store.create({ id: 'p' });
        await build('p', [
          [null, 'root'],
          ['', 'a'],
          ['', 'b'],
          ['1', 'b.a'],
          ['1.0', 'b.a.a'],
        ]);
        const path = await store.getPath({ conversationId: 'p', nodeId: '1.0.0' });
        expect(path.map((node) => node.id)).toEqual(['', '1', '1.0', '1.0.0']);
        expect(path.map((node) => node.content)).toEqual(['root', 'b', 'b.a', 'b.a.a']);
        expect((await store.getPath({ conversationId: 'p', nodeId: '' })).map((node) => node.id)).toEqual(['']);
      });

      it('handles deep chains with long ids', async () => {
        await store.create({ id: 'deep' });
        let parentId: string | null = null;
        const depth = 120;
        for (let index = 0; index < depth; index += 1) {
          const { node } = await store.appendNode({ conversationId: 'deep', parentId, node: message(`m${index}`) });
          parentId = node.id;
        }
        expect(parentId).toBe(Array.from({ length: depth - 1 }, () => '0').join('.'));
        const path = await store.getPath({ conversationId: 'deep', nodeId: parentId! });
        expect(path).toHaveLength(depth);
        expect(path.map((node) => node.content)).toEqual(Array.from({ length: depth }, (_, index) => `m${index}`));
        expect(path.map((node) => node.id)).toEqual(
          path.map((_, index) => (index === 0 ? '' : `${parentId!}`.slice(0, 2 * index - 1))),
        );
        // Ids as deep as the chain that are not on it (the last or a middle position differs).
        for (const absent of [
          `${parentId!.slice(0, -1)}1`,
          `1${parentId!.slice(1)}`,
          `${parentId!.slice(0, 100)}1${parentId!.slice(101)}`,
        ]) {
          await expectDkError(store.getPath({ conversationId: 'deep', nodeId: absent }), NodeNotFoundError);
        }
        expect(
          (await store.getPath({ conversationId: 'deep', nodeId: path[3]!.id })).map((node) => node.content),
        ).toEqual(['m0', 'm1', 'm2', 'm3']);
        const branch = await store.appendNode({
          conversationId: 'deep',
          parentId: path[depth - 2]!.id,
          node: message('alt'),
        });
        expect(branch.node.id).toBe(`${path[depth - 2]!.id}.1`);
        expect((await store.getNode({ conversationId: 'deep', nodeId: branch.node.id }))?.content).toBe('alt');
        // Branched now: both leaves' paths share all but their last node.
        const branchPath = await store.getPath({ conversationId: 'deep', nodeId: branch.node.id });
        expect(branchPath.map((node) => node.content)).toEqual([
          ...path.slice(0, -1).map((node) => node.content),
          'alt',
        ]);
        expect(await store.getPath({ conversationId: 'deep', nodeId: parentId! })).toEqual(path);
        checkTree((await store.load({ conversationId: 'deep' }))!.nodes);
      });

      it('refuses a second root and unknown or malformed parents', async () => {
        await store.create({ id: 'r' });
        await build('r', [[null, 'root']]);
        await expectDkError(
          store.appendNode({ conversationId: 'r', parentId: null, node: message('x') }),
          InvalidNodeError,
          {
            field: 'parentId',
          },
        );
        for (const parentId of ['0', '5.1', '01', 'a', '0.', ' ']) {
          await expectDkError(
            store.appendNode({ conversationId: 'r', parentId, node: message('x') }),
            NodeNotFoundError,
            {
              conversationId: 'r',
              nodeId: parentId,
            },
          );
        }
        await expectDkError(store.getPath({ conversationId: 'r', nodeId: '3' }), NodeNotFoundError);
        await expectDkError(store.getChildren({ conversationId: 'r', nodeId: '3' }), NodeNotFoundError);
        expect(await store.getNode({ conversationId: 'r', nodeId: '3' })).toBeUndefined();
        expect((await store.get({ conversationId: 'r' }))?.nodeCount).toBe(1);
      });

      it('moves the cursor with the append when asked, bumping the version', async () => {
        const created = await store.create({ id: 'm' });
        const first = await store.appendNode({
          conversationId: 'm',
          parentId: null,
          node: message('a'),
          moveCursor: true,
        });
        expect(first.conversation).toMatchObject({ currentNodeId: '', version: 2, nodeCount: 1 });
        const second = await store.appendNode({ conversationId: 'm', parentId: '', node: message('b') });
        expect(second.conversation).toMatchObject({ currentNodeId: '', version: 2, nodeCount: 2 });
        expect(second.conversation.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
        const third = await store.appendNode({
          conversationId: 'm',
          parentId: '0',
          node: message('c'),
          moveCursor: true,
          expectedVersion: 2,
        });
        expect(third.conversation).toMatchObject({ currentNodeId: '0.0', version: 3, nodeCount: 3 });
        expect(await store.get({ conversationId: 'm' })).toEqual(third.conversation);
      });

      it('fails a conditional append on a stale version without writing', async () => {
        await store.create({ id: 'v' });
        await store.appendNode({ conversationId: 'v', parentId: null, node: message('a'), moveCursor: true });
        await expectDkError(
          store.appendNode({ conversationId: 'v', parentId: '', node: message('b'), expectedVersion: 1 }),
          ConversationConflictError,
          { conversationId: 'v', expectedVersion: 1, actualVersion: 2 },
        );
        expect(await store.getChildren({ conversationId: 'v', nodeId: '' })).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('gives concurrent appends under one parent distinct ids and loses none', async () => {
        await store.create({ id: 'cc' });
        await build('cc', [[null, 'root']]);
        const count = 40;
        const results = await Promise.all(
          Array.from({ length: count }, (_, index) =>
            store.appendNode({ conversationId: 'cc', parentId: '', node: message(`n${index}`) }),
          ),
        );
        const ids = results.map((result) => result.node.id);
        expect(new Set(ids).size).toBe(count);
        expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(
          Array.from({ length: count }, (_, index) => String(index)),
        );
        const children = await store.getChildren({ conversationId: 'cc', nodeId: '' });
        expect(children.map((node) => node.id)).toEqual(Array.from({ length: count }, (_, index) => String(index)));
        expect(new Set(children.map((node) => node.content)).size).toBe(count);
        for (const result of results) {
          expect(children.find((node) => node.id === result.node.id)?.content).toBe(result.node.content);
        }
        expect((await store.get({ conversationId: 'cc' }))?.nodeCount).toBe(count + 1);
      });

      it('keeps concurrent appends to different parents and conversations apart', async () => {
        await store.create({ id: 'x1' });
        await store.create({ id: 'x2' });
        await build('x1', [
          [null, 'r'],
          ['', 'a'],
          ['', 'b'],
        ]);
        await build('x2', [[null, 'r']]);
        await Promise.all([
          ...Array.from({ length: 10 }, (_, index) =>
            store.appendNode({ conversationId: 'x1', parentId: '0', node: message(`a${index}`) }),
          ),
          ...Array.from({ length: 10 }, (_, index) =>
            store.appendNode({ conversationId: 'x1', parentId: '1', node: message(`b${index}`) }),
          ),
          ...Array.from({ length: 10 }, (_, index) =>
            store.appendNode({ conversationId: 'x2', parentId: '', node: message(`c${index}`) }),
          ),
        ]);
        const one = (await store.load({ conversationId: 'x1' }))!;
        const two = (await store.load({ conversationId: 'x2' }))!;
        checkTree(one.nodes);
        checkTree(two.nodes);
        expect(one.nodes).toHaveLength(23);
        expect(two.nodes).toHaveLength(11);
        expect(
          (await store.getChildren({ conversationId: 'x1', nodeId: '1' })).map((node) => node.content).sort(),
        ).toEqual(Array.from({ length: 10 }, (_, index) => `b${index}`).sort());
      });

      it('lets exactly one of two racing updates win; the other gets ConversationConflictError', async () => {
        const created = await store.create({ id: 'race', metadata: { n: 0 } });
        const outcomes = await Promise.allSettled([
          store.updateConversation({ conversationId: 'race', expectedVersion: created.version, metadata: { n: 1 } }),
          store.updateConversation({ conversationId: 'race', expectedVersion: created.version, metadata: { n: 2 } }),
        ]);
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(ConversationConflictError.isInstance((lost[0] as PromiseRejectedResult).reason)).toBe(true);
        const winner = (won[0] as PromiseFulfilledResult<ConversationRecord>).value;
        expect(winner.version).toBe(2);
        expect(await store.get({ conversationId: 'race' })).toEqual(winner);
      });
    });

    describe('updateConversation', () => {
      it('moves the cursor and replaces metadata under optimistic concurrency', async () => {
        const created = await store.create({ id: 'u', metadata: { a: 1, keep: 'no' } });
        await build('u', [
          [null, 'r'],
          ['', 'a'],
          ['', 'b'],
        ]);
        const moved = await store.updateConversation({ conversationId: 'u', expectedVersion: 1, currentNodeId: '1' });
        expect(moved).toMatchObject({ currentNodeId: '1', version: 2, metadata: { a: 1, keep: 'no' } });
        expect(moved.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
        const replaced = await store.updateConversation({
          conversationId: 'u',
          expectedVersion: 2,
          metadata: { b: [1, { c: true }] },
        });
        expect(replaced).toMatchObject({ currentNodeId: '1', version: 3, metadata: { b: [1, { c: true }] } });
        expect(replaced.metadata).not.toHaveProperty('a');
        const both = await store.updateConversation({
          conversationId: 'u',
          expectedVersion: 3,
          currentNodeId: '',
          metadata: {},
        });
        expect(both).toMatchObject({ currentNodeId: '', version: 4, metadata: {} });
        await expectDkError(
          store.updateConversation({ conversationId: 'u', expectedVersion: 3, currentNodeId: '0' }),
          ConversationConflictError,
          { expectedVersion: 3, actualVersion: 4 },
        );
        expect(await store.get({ conversationId: 'u' })).toEqual(both);
      });

      it('refuses a cursor on an unknown node without changing anything', async () => {
        await store.create({ id: 'u2' });
        await build('u2', [[null, 'r']]);
        await expectDkError(
          store.updateConversation({ conversationId: 'u2', expectedVersion: 1, currentNodeId: '7' }),
          NodeNotFoundError,
          { nodeId: '7' },
        );
        await expectDkError(
          store.updateConversation({
            conversationId: 'u2',
            expectedVersion: 1,
            metadata: new Map() as unknown as Record<string, unknown>,
          }),
          InvalidNodeError,
          { field: 'metadata' },
        );
        expect(await store.get({ conversationId: 'u2' })).toMatchObject({ version: 1, currentNodeId: null });
      });
    });

    describe('round-trips', () => {
      it('keeps every field of a node exactly', async () => {
        await store.create({
          id: 'rt',
          metadata: { nested: { deep: { list: [1, 'two', null, { three: 3.5 }] } }, emoji: '🦊' },
        });
        const createdAt = new Date('2023-05-06T07:08:09.123Z');
        const big = 'lorem ipsum dolor sit amet '.repeat(12_000);
        const input: NewConversationNode = {
          role: 'assistant',
          content: 'Ünïcödé ✓ — 日本語 — עברית — 🦊🧪 — "quotes" \'single\' \\ back\nnew\tline',
          name: 'helper-bot',
          toolCalls: [
            {
              id: 'call_1',
              name: 'get_weather',
              arguments: { city: 'Zürich', days: 3, opts: { units: 'metric', tags: ['a', 'b'] } },
            },
            { id: 'call_2', name: 'noop', arguments: {} },
          ],
          metadata: {
            model: 'm-1',
            usage: { input: 12, output: 34 },
            cost: 0.000123,
            flags: [true, false, null],
            empty: {},
          },
          promptName: 'answer_v2',
          branchName: 'alt ✨',
          createdAt,
        };
        const root = await store.appendNode({
          conversationId: 'rt',
          parentId: null,
          node: { role: 'system', content: '' },
        });
        const appended = await store.appendNode({ conversationId: 'rt', parentId: '', node: input });
        const tool = await store.appendNode({
          conversationId: 'rt',
          parentId: '0',
          node: { role: 'tool', content: big, toolCallId: 'call_1', name: 'get_weather' },
        });
        const expected = { conversationId: 'rt', id: '0', parentId: '', position: 0, ...input };
        expect(appended.node).toEqual(expected);
        expect(appended.node.createdAt.getTime()).toBe(createdAt.getTime());
        expect(await store.getNode({ conversationId: 'rt', nodeId: '0' })).toEqual(expected);
        expect(root.node).toEqual({
          conversationId: 'rt',
          id: '',
          parentId: null,
          position: 0,
          role: 'system',
          content: '',
          metadata: {},
          createdAt: root.node.createdAt,
        });
        expect(root.node).not.toHaveProperty('toolCalls');
        expect(root.node).not.toHaveProperty('name');
        const loaded = (await store.load({ conversationId: 'rt' }))!;
        expect(loaded.conversation.metadata).toEqual({
          nested: { deep: { list: [1, 'two', null, { three: 3.5 }] } },
          emoji: '🦊',
        });
        expect(loaded.nodes).toEqual([root.node, appended.node, tool.node]);
        expect(loaded.nodes[2]!.content).toBe(big);
        expect(loaded.nodes[2]!.toolCallId).toBe('call_1');
        expect(await store.getPath({ conversationId: 'rt', nodeId: '0.0' })).toEqual(loaded.nodes);
        expect(await store.getChildren({ conversationId: 'rt', nodeId: '' })).toEqual([appended.node]);
      });

      it('hands out copies: callers cannot corrupt stored state', async () => {
        const metadata = { tags: ['a'] as string[], inner: { x: 1 } };
        await store.create({ id: 'cp', metadata });
        const node = { role: 'user' as const, content: 'hi', metadata: { list: [1] as number[] } };
        const { node: stored, conversation } = await store.appendNode({ conversationId: 'cp', parentId: null, node });
        metadata.tags.push('mutated');
        node.metadata.list.push(2);
        (stored.metadata as { list: number[] }).list.push(3);
        (conversation.metadata as { inner: { x: number } }).inner.x = 99;
        const loaded = (await store.load({ conversationId: 'cp' }))!;
        (loaded.nodes[0]!.metadata as { list: number[] }).list.push(4);
        expect((await store.getNode({ conversationId: 'cp', nodeId: '' }))?.metadata).toEqual({ list: [1] });
        expect((await store.get({ conversationId: 'cp' }))?.metadata).toEqual({ tags: ['a'], inner: { x: 1 } });
      });
    });
    describeStoreQueries({ store: () => store, capabilities });

    describe('lifecycle', () => {
      it('pings while open, closes idempotently, and refuses work after close', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        expect(store.specificationVersion).toBe('v1');
        expect(typeof store.provider).toBe('string');
        await store.close();
        await store.close();
        closed = true;
        await expectDkError(store.ping(), StoreClosedError);
        await expectDkError(store.get({ conversationId: 'x' }), StoreClosedError);
        await expectDkError(store.create(), StoreClosedError);
        await expectDkError(store.list(), StoreClosedError);
      });

      it('drains on close: operations already running complete, later ones fail with StoreClosedError', async () => {
        await store.create({ id: 'drain' });
        await build('drain', [[null, 'root']]);
        // Started, not awaited: close() must let them finish before it releases the database.
        const running = Promise.all([
          store.appendNode({ conversationId: 'drain', parentId: '', node: message('a'), moveCursor: true }),
          store.appendNode({ conversationId: 'drain', parentId: '', node: message('b') }),
          store.create({ id: 'drain-2' }),
        ]);
        const closing = store.close();
        closed = true;
        const [first, second, created] = await running;
        expect([first.node.id, second.node.id].sort()).toEqual(['0', '1']);
        expect(created.id).toBe('drain-2');
        await closing;
        await expectDkError(store.get({ conversationId: 'drain' }), StoreClosedError, { operation: 'get' });
        await expectDkError(
          store.appendNode({ conversationId: 'drain', parentId: '', node: message('late') }),
          StoreClosedError,
          { operation: 'appendNode' },
        );
        if (options.reopenStore === undefined) return;
        const reopened = await options.reopenStore(store);
        try {
          const tree = (await reopened.load({ conversationId: 'drain' }))!;
          const stored = new Map(tree.nodes.map((node) => [node.id, node.content]));
          expect(stored).toEqual(
            new Map([
              ['', 'root'],
              [first.node.id, 'a'],
              [second.node.id, 'b'],
            ]),
          );
          expect(tree.conversation.currentNodeId).toBe(first.node.id);
          expect(await reopened.get({ conversationId: 'drain-2' })).toBeDefined();
        } finally {
          await reopened.close();
        }
      });
    });
  });
}
