import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';
import { prefixPattern } from './redis-keys.js';

async function unlinkMatching(node: Redis, pattern: string, oneByOne: boolean): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length === 0) continue;
    // On a cluster node keys of different slots cannot go in one command.
    if (oneByOne) await Promise.all(keys.map((key) => node.unlink(key)));
    else await node.unlink(...keys);
  } while (cursor !== '0');
}

/** Removes every key that starts with `prefix`, on every master of a cluster. */
export async function unlinkPrefix(client: RedisClient, prefix: string): Promise<void> {
  const pattern = prefixPattern(prefix);
  if (client instanceof Cluster) {
    // The masters are known once the client has read the slot table.
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    await Promise.all(client.nodes('master').map((node) => unlinkMatching(node, pattern, true)));
  } else await unlinkMatching(client, pattern, false);
}
