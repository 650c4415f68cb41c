import { CachedEmbeddingModel, hashEmbeddingText } from '@dk/rag';
import { InvalidOptionsError, RagSearchError } from '@dk/spec';
import type { EmbeddingModel } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConversationStore } from './sqlite-conversation-store.js';
import { SqliteEmbeddingCache } from './sqlite-embedding-cache.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-embedding-cache-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function countingModel(): EmbeddingModel & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    specificationVersion: 'v1',
    modelId: 'test:len',
    calls,
    embed: (texts) => {
      calls.push([...texts]);
      return Promise.resolve(texts.map((text) => [text.length, 0.1, -1 / 3]));
    },
  };
}

describe('SqliteEmbeddingCache', () => {
  it('stores exact vectors by model and text hash, and they survive reopening the file', async () => {
    const path = join(directory, 'cache.db');
    const cache = new SqliteEmbeddingCache({ path });
    const model = countingModel();
    const cached = new CachedEmbeddingModel({ model, cache });
    expect(await cached.embed(['ab', 'abc'])).toEqual([
      [2, 0.1, -1 / 3],
      [3, 0.1, -1 / 3],
    ]);
    await cache.close();

    const reopened = new SqliteEmbeddingCache({ path });
    const again = new CachedEmbeddingModel({ model, cache: reopened });
    expect(await again.embed(['abc', 'ab', 'x'])).toEqual([
      [3, 0.1, -1 / 3],
      [2, 0.1, -1 / 3],
      [1, 0.1, -1 / 3],
    ]);
    expect(model.calls).toEqual([['ab', 'abc'], ['x']]);
    expect(await reopened.size()).toBe(3);
    expect(await reopened.getMany('other:model', [hashEmbeddingText('ab')])).toEqual([undefined]);
    expect(await reopened.deleteModel('test:len')).toBe(3);
    expect(await reopened.getMany('test:len', [hashEmbeddingText('ab')])).toEqual([undefined]);
    await reopened.close();
    await reopened.close();
    await expect(reopened.getMany('m', ['h'])).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_ADAPTER_CLOSED',
    );
  });

  it('shares a database it does not own (and its migrations) with the store, and leaves it open', async () => {
    const database = new Database(join(directory, 'shared.db'));
    const store = new SqliteConversationStore({ database });
    expect(await store.migrate()).toEqual({ fromVersion: 0, toVersion: 7 });
    const cache = new SqliteEmbeddingCache({ database });
    expect(await cache.migrate()).toEqual({ fromVersion: 7, toVersion: 7 });
    await cache.setMany('m', [{ textHash: 'h1', vector: [1, 2] }]);
    await cache.setMany('m', [{ textHash: 'h1', vector: [3, 4] }]);
    expect(await cache.getMany('m', ['h1', 'h2'])).toEqual([[3, 4], undefined]);
    await cache.close();
    await store.close();
    expect(database.prepare('SELECT count(*) AS n FROM dk_embedding_cache').get()).toEqual({ n: 1 });
    database.close();
  });

  it('rejects bad settings and vectors with typed errors; wraps SQLite failures', async () => {
    expect(() => new SqliteEmbeddingCache({})).toThrow(StoreSettingsError);
    expect(() => new SqliteEmbeddingCache({ path: join(directory, 'x.db'), table: 'vectors' } as never)).toThrow(
      InvalidOptionsError,
    );
    expect(() => new SqliteEmbeddingCache({ path: join(directory, 'missing', 'x.db') })).toThrow(/does not exist/);
    const cache = new SqliteEmbeddingCache({ path: join(directory, 'bad.db') });
    await expect(cache.setMany('m', [{ textHash: 'h', vector: [Number.NaN] }])).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_EMBEDDING_INVALID',
    );
    await cache.close();
    const database = new Database(join(directory, 'readonly.db'));
    database.exec('CREATE TABLE dk_embedding_cache (x INTEGER)');
    const broken = new SqliteEmbeddingCache({ database });
    await expect(broken.getMany('m', ['h'])).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_EMBEDDING_CACHE_FAILED',
    );
    database.close();
  });
});
