import { SharedStateInputError, checkMilliseconds, checkOptions } from '@dk/spec';
import { Cluster, Redis } from 'ioredis';

/** What the dk Redis components talk to: an ioredis client, standalone or cluster. */
export type RedisClient = Redis | Cluster;

/** Settings of {@link createRedisClient}. */
export interface RedisClientSettings {
  /**
   * The server, `redis://[user:password@]host:port[/db]` (`rediss://` for TLS). Default
   * `redis://127.0.0.1:6379`. Ignored when `clusterNodes` is given.
   */
  readonly url?: string;
  /**
   * Startup nodes of a Redis Cluster, as URLs (`redis://host:port`, credentials taken from the
   * first) or `{ host, port }`: makes a cluster client, which finds the other nodes itself.
   */
  readonly clusterNodes?: readonly (string | { readonly host: string; readonly port: number })[];
  /** How long connecting may take, in milliseconds. Default 2,000. */
  readonly connectTimeoutMs?: number;
  /**
   * Receives the client's connection errors (its `error` events), which are handled so that
   * they never crash the process. Default: ignored — each failed operation is reported by the
   * component that ran it, under its failure policy.
   */
  readonly onError?: (error: Error) => void;
}

interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

function parseUrl(url: string): {
  address: NodeAddress;
  username?: string;
  password?: string;
  db?: number;
  tls: boolean;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SharedStateInputError({
      component: 'createRedisClient',
      field: 'url',
      reason: 'must be a redis:// or rediss:// URL',
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new SharedStateInputError({
      component: 'createRedisClient',
      field: 'url',
      reason: `must start with redis:// or rediss://, got ${parsed.protocol}//`,
    });
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  return {
    address: { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) },
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(db === undefined || Number.isNaN(db) ? {} : { db }),
    tls: parsed.protocol === 'rediss:',
  };
}

/**
 * Creates an ioredis client set up for shared limiter, budget and cache state: it connects at
 * once, fails a command after one reconnection attempt instead of queueing it indefinitely
 * (so a component's failure policy applies quickly while Redis is down), reconnects by itself
 * with a backoff of up to 2 s, and handles its `error` events. Close it with `quit()`.
 */
export function createRedisClient(settings: RedisClientSettings = {}): RedisClient {
  checkOptions('createRedisClient', settings, ['url', 'clusterNodes', 'connectTimeoutMs', 'onError']);
  const { url = 'redis://127.0.0.1:6379', clusterNodes, connectTimeoutMs = 2000, onError = () => {} } = settings;
  checkMilliseconds('createRedisClient', 'connectTimeoutMs', connectTimeoutMs);
  const common = {
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  };
  let client: RedisClient;
  if (clusterNodes !== undefined) {
    if (!Array.isArray(clusterNodes) || clusterNodes.length === 0) {
      throw new SharedStateInputError({
        component: 'createRedisClient',
        field: 'clusterNodes',
        reason: 'must be a non-empty list of node URLs or { host, port }',
      });
    }
    const parsed = clusterNodes.map((node) =>
      typeof node === 'string' ? parseUrl(node) : { address: node, tls: false },
    );
    const first = parsed[0]!;
    client = new Cluster(
      parsed.map((node) => node.address),
      {
        clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
        redisOptions: {
          ...common,
          ...('username' in first ? { username: first.username } : {}),
          ...('password' in first ? { password: first.password } : {}),
          ...(first.tls ? { tls: {} } : {}),
        },
      },
    );
  } else {
    const { address, tls, ...credentials } = parseUrl(url);
    client = new Redis({ ...common, ...address, ...credentials, ...(tls ? { tls: {} } : {}) });
  }
  client.on('error', onError);
  return client;
}
