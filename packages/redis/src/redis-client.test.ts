import { SharedStateInputError, SharedStateUnavailableError } from '@dk/spec';
import { hasRedisBinaries, startRedisServer } from '@dk/test-kit';
import { Cluster, Redis } from 'ioredis';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedisClient } from './redis-client.js';
import { describeRedisError } from './redis-error.js';
import { RedisKeyValueCache } from './redis-key-value-cache.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const skipServers = !process.env['CI'] && !(await hasRedisBinaries());

describe('createRedisClient', () => {
  it('makes a standalone or a cluster client and refuses malformed settings', () => {
    const standalone = createRedisClient({ url: 'redis://:s3cret@127.0.0.1:1/2', connectTimeoutMs: 50 });
    const cluster = createRedisClient({ clusterNodes: ['redis://127.0.0.1:1', { host: '127.0.0.1', port: 2 }] });
    try {
      expect(standalone).toBeInstanceOf(Redis);
      expect(standalone.options).toMatchObject({ host: '127.0.0.1', port: 1, db: 2, password: 's3cret' });
      expect(cluster).toBeInstanceOf(Cluster);
    } finally {
      standalone.disconnect();
      cluster.disconnect();
    }
    expect(() => createRedisClient({ url: 'http://example.com' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisClient({ url: 'not a url' })).toThrow(SharedStateInputError);
    expect(() => createRedisClient({ clusterNodes: [] })).toThrow(/clusterNodes/);
    expect(() => createRedisClient({ uri: 'redis://x' } as never)).toThrow(/did you mean `url`/);
  });

  it('never shows a password in a failure', async () => {
    expect(describeRedisError(new Error('could not reach redis://user:hunter2@db:6379/0'))).toBe(
      'could not reach redis://***@db:6379/0',
    );
    const client = createRedisClient({ url: 'redis://:hunter2@127.0.0.1:1', connectTimeoutMs: 200 });
    try {
      const limiter = new RedisRateLimiter({ client, failurePolicy: 'failClosed', timeoutMs: 500 });
      const error = await limiter.check({ key: 'k', limit: 1, windowMs: 1000 }).catch((caught: unknown) => caught);
      expect(SharedStateUnavailableError.isInstance(error)).toBe(true);
      for (const view of [inspect(error, { depth: 10 }), JSON.stringify(error), String(error)]) {
        expect(view).not.toContain('hunter2');
      }
    } finally {
      client.disconnect();
    }
  });
});

describe('Redis components', () => {
  it('check their settings', () => {
    const client = createRedisClient({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 50 });
    try {
      expect(() => new RedisRateLimiter({ client, prefix: 'app{1}:' })).toThrow(/without braces/);
      expect(() => new RedisRateLimiter({ client, failurePolicy: 'closed' as never })).toThrow(/failurePolicy/);
      expect(() => new RedisRateLimiter({ client, timeout: 5 } as never)).toThrow(/did you mean `timeoutMs`/);
      expect(() => new RedisRateLimiter({ client: {} as never })).toThrow(/ioredis client/);
      expect(() => new RedisKeyValueCache({ client, defaultTtlMs: 0 })).toThrow(/defaultTtlMs/);
      const limiter = new RedisRateLimiter({ client });
      expect([limiter.provider, limiter.failurePolicy, limiter.specificationVersion]).toEqual([
        'redis',
        'failOpen',
        'v1',
      ]);
    } finally {
      client.disconnect();
    }
  });

  it.skipIf(skipServers)('wait for a first connection instead of failing while it is made', async () => {
    const server = await startRedisServer();
    const client = createRedisClient({ url: server.url });
    try {
      const limiter = new RedisRateLimiter({ client, failurePolicy: 'failClosed' });
      expect(client.status).not.toBe('ready');
      expect(await limiter.check({ key: 'k', limit: 1, windowMs: 1000 })).toMatchObject({ allowed: true });
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
