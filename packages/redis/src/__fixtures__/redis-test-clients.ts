import type { ClusterNode } from 'ioredis';
import { createRedisClient } from '../redis-client.js';
import type { RedisClient } from '../redis-client.js';

/** Where a test's clients connect: a server URL or cluster startup nodes. */
export type RedisTarget = { readonly url: string } | { readonly clusterNodes: readonly ClusterNode[] };

/**
 * Opens clients for one test and closes them all at the end: `open(count)` gives `count`
 * separate connections (as several app servers would have), `close()` quits them.
 */
export function testClients(target: () => RedisTarget): {
  open: (count: number) => RedisClient[];
  close: () => Promise<void>;
} {
  let clients: RedisClient[] = [];
  return {
    open(count) {
      const opened = Array.from({ length: count }, () => {
        const where = target();
        return 'url' in where
          ? createRedisClient({ url: where.url })
          : createRedisClient({ clusterNodes: where.clusterNodes as { host: string; port: number }[] });
      });
      clients.push(...opened);
      return opened;
    },
    async close() {
      const closing = clients;
      clients = [];
      await Promise.all(closing.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));
