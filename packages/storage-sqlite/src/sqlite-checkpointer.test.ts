import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSqliteConversationStore } from './create-sqlite-conversation-store.js';
import { createSqliteSearchAdapter } from './create-sqlite-search-adapter.js';
import type { SqliteConversationStore } from './sqlite-conversation-store.js';
import { runningCheckpointers, walSizeLimit } from './sqlite-checkpointer.js';
import { SqliteEmbeddingCache } from './sqlite-embedding-cache.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-sqlite-checkpointer-'));
let counter = 0;
const freshPath = () => join(directory, `store-${(counter += 1)}.db`);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const walSize = (path: string) => statSync(`${path}-wal`).size;

/** The checkpointers running for the file at `path`. */
const checkpointersOf = (path: string) => runningCheckpointers().filter(({ file }) => file === realpathSync(path));

/** The WAL header's checkpoint sequence number, which moves on each time the WAL starts over. */
function walSequence(path: string): number {
  const header = Buffer.alloc(16);
  const descriptor = openSync(`${path}-wal`, 'r');
  try {
    readSync(descriptor, header, 0, 16, 0);
  } finally {
    closeSync(descriptor);
  }
  return header.readUInt32BE(12);
}

/** This process's threads, as the kernel counts them (undefined where there is no /proc). */
const processThreads = () => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);

/** Appends a chain of nodes to one conversation of `store`, each a child of the last. */
function chain(store: SqliteConversationStore, conversationId: string) {
  let parentId: string | null = null;
  return async (content: string) => {
    const { node } = await store.appendNode({
      conversationId,
      parentId,
      node: { role: 'user', content },
      moveCursor: true,
    });
    parentId = node.id;
  };
}

describe('SQLite WAL checkpointer', () => {
  it('shrinks the WAL file back to journal_size_limit when it starts over after a burst', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await store.create({ id: 'burst' });
    const append = chain(store, 'burst');
    const limit = walSizeLimit(4096);
    // A reader keeps its snapshot: no checkpoint copies past it, so the WAL cannot start over.
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM dk_nodes').get();
    const text = 'x'.repeat(256 * 1024);
    while (walSize(path) <= limit + 8 * MiB) await append(text);
    reader.exec('COMMIT');
    reader.close();
    const sequence = walSequence(path);
    // Small appends (the checkpointer copies the WAL in its rounds meanwhile) until it starts over.
    await vi.waitFor(
      async () => {
        await append('small');
        expect(walSequence(path)).not.toBe(sequence);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(walSize(path)).toBeLessThanOrEqual(limit);
    await store.close();
  });

  it('lets the WAL start over only once a write has copied every frame, not while a reader needs some', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    await store.create({ id: 'held' });
    const append = chain(store, 'held');
    const restartStep = () => checkpointersOf(path)[0]?.restartStep;
    // A reader keeps its snapshot: a PASSIVE checkpoint copies only the frames before it, and
    // reports busy = 0 all the same (with log > checkpointed).
    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM dk_nodes').get();
    const text = 'x'.repeat(256 * 1024);
    while (walSize(path) <= walSizeLimit(4096) / 2 + MiB) await append(text);
    // The checkpointer's next round finds the WAL past the restart size and asks for the restart.
    await vi.waitFor(
      async () => {
        await append('small');
        expect(restartStep()).toBe('asked');
      },
      { timeout: 5000, interval: 50 },
    );
    const sequence = walSequence(path);
    for (let index = 0; index < 3; index += 1) {
      // Each write's PASSIVE checkpoint stops at the reader's snapshot: the request stands.
      await append('small');
      expect(restartStep()).toBe('asked');
    }
    expect(walSequence(path)).toBe(sequence);

    reader.exec('COMMIT');
    reader.close();
    // The next write copies the rest, and the one after it starts the WAL over.
    await vi.waitFor(
      async () => {
        await append('small');
        expect(walSequence(path)).not.toBe(sequence);
      },
      { timeout: 5000, interval: 20 },
    );
    expect(restartStep()).toBe('none');
    expect(walSize(path)).toBeLessThanOrEqual(walSizeLimit(4096));
    await store.close();
  });

  it('runs one checkpointer thread per file for the store, a search adapter and an embedding cache', async () => {
    const path = freshPath();
    const threads = processThreads();
    const store = createSqliteConversationStore({ path });
    const docs = createSqliteSearchAdapter({ name: 'docs', path });
    const cache = new SqliteEmbeddingCache({ path });
    await store.create({ id: 'c' });
    await docs.index([{ id: 'd', content: 'walrus tusks' }]);
    await cache.setMany('m', [{ textHash: 'h', vector: [1, 2] }]);
    const [running, ...others] = checkpointersOf(path);
    expect(others).toEqual([]);
    expect(running?.connections).toBe(3);
    const worker = running!.worker;
    expect(worker.threadId).toBeGreaterThan(0);
    // One thread more than before opening three connections to the file (not three).
    if (threads !== undefined) expect(processThreads()).toBe(threads + 1);

    await docs.close();
    await cache.close();
    expect(checkpointersOf(path)).toEqual([{ file: realpathSync(path), worker, connections: 1, restartStep: 'none' }]);
    expect(worker.threadId).toBeGreaterThan(0);
    // Still checkpointing: only checkpoints write pages to the database file.
    const append = chain(store, 'c');
    const size = statSync(path).size;
    for (let index = 0; index < 300; index += 1) await append(`${index} ${'y'.repeat(8000)}`);
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(size + 2 * MiB), {
      timeout: 5000,
      interval: 50,
    });

    const exited = once(worker, 'exit');
    await store.close();
    await exited;
    expect(worker.threadId).toBe(-1);
    expect(checkpointersOf(path)).toEqual([]);
    expect(existsSync(`${path}-wal`)).toBe(false); // the last connection's close checkpointed and removed it
  });

  it('keeps the WAL bounded whichever of two connections writes', async () => {
    const path = freshPath();
    const limit = walSizeLimit(4096);
    const store = createSqliteConversationStore({ path });
    const docs = createSqliteSearchAdapter({ name: 'docs', path });
    await store.create({ id: 'both' });
    const append = chain(store, 'both');
    const content = (index: number) => `walrus ${index} ${'z'.repeat(32 * 1024)}`;
    let index = 0;
    /**
     * Writes back to back until the WAL has started over twice: that takes a writer's part in
     * each restart (the checkpointer stops at the restart size and waits for it), so without it
     * the WAL grows through all the writes (about 260 MB).
     */
    const startsOver = async (write: () => Promise<unknown>) => {
      const sequence = walSequence(path);
      for (let writes = 0; writes < 8000 && walSequence(path) - sequence < 2; writes += 1) await write();
      expect(walSequence(path) - sequence).toBeGreaterThanOrEqual(2);
      expect(walSize(path)).toBeLessThanOrEqual(limit);
    };
    // Both connections in turn (the store's appends and the adapter's batches), then each alone.
    await startsOver(() =>
      (index += 1) % 2 === 0
        ? append(content(index))
        : docs.index([{ id: `d${index}`, content: content(index) }], { chunking: false }),
    );
    await startsOver(() => docs.index([{ id: `d${(index += 1)}`, content: content(index) }], { chunking: false }));
    // Writes through Kysely (not the append's prepared statements) too.
    await startsOver(() => store.create({ id: `c${(index += 1)}`, metadata: { note: content(index) } }));
    expect(checkpointersOf(path)[0]?.connections).toBe(2);
    await docs.close();
    await store.close();
  });

  it('falls back to automatic checkpoints on every connection when the thread fails', async () => {
    const path = freshPath();
    const store = createSqliteConversationStore({ path });
    const docs = createSqliteSearchAdapter({ name: 'docs', path });
    const cache = new SqliteEmbeddingCache({ path });
    await store.create({ id: 'fallback' });
    await docs.index([{ id: 'd', content: 'walrus' }]);
    await cache.setMany('m', [{ textHash: 'h', vector: [1] }]);
    const worker = checkpointersOf(path)[0]!.worker;
    const exited = once(worker, 'exit');
    await worker.terminate();
    await exited;
    expect(checkpointersOf(path)).toEqual([]);

    // About 10 MiB from each connection alone: without checkpoints the WAL would hold it all;
    // with SQLite's own (every 1,000 pages) it stays near 4 MiB.
    const append = chain(store, 'fallback');
    const text = 'w'.repeat(64 * 1024);
    const vector = Array.from({ length: 8192 }, (_, index) => index / 3);
    const writers: [string, (index: number) => Promise<unknown>][] = [
      [
        'search adapter',
        (index) => docs.index([{ id: `d${index}`, content: `${index} ${text}` }], { chunking: false }),
      ],
      ['embedding cache', (index) => cache.setMany('m', [{ textHash: `h${index}`, vector }])],
      ['store', (index) => append(`${index} ${text}`)],
    ];
    for (const [name, write] of writers) {
      let largest = 0;
      for (let index = 0; index < 160; index += 1) {
        await write(index);
        largest = Math.max(largest, walSize(path));
      }
      expect(largest, name).toBeLessThan(7 * MiB);
    }
    await Promise.all([store.close(), docs.close(), cache.close()]);
  });
});
